// drizzle-kit: generates the CampaignStats Durable Object's SQLite migrations from src/stats/schema.ts (`npm run db:generate`).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/stats/schema.ts",
  out: "./src/stats/migrations",
});
