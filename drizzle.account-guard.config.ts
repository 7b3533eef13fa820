// drizzle-kit: generates the AccountGuard Durable Object's SQLite migrations from src/guard/schema.ts (`npm run db:generate`).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/guard/schema.ts",
  out: "./src/guard/migrations",
});
