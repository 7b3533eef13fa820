// drizzle-kit: generates the AccountCounters Durable Objects' SQLite migrations from src/stats/account-counters/schema.ts (`npm run db:generate`).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/stats/account-counters/schema.ts",
  out: "./src/stats/account-counters/migrations",
});
