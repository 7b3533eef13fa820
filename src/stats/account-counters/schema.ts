// The AccountCounters objects' SQLite schema (Drizzle): the source of their migrations in
// src/stats/account-counters/migrations/ (`npm run db:generate`; docs/DURABLE-OBJECT-MIGRATIONS.md). Queries stay raw
// SQL (src/objects/account-counters.ts).

import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Each campaign's counters as last applied, with the sequence number that carried them: an older one is ignored. */
export const campaigns = sqliteTable("campaigns", {
  campaignId: text("campaign_id").primaryKey(),
  seq: integer("seq").notNull(),
  counts: text("counts").notNull(),
});

/** The shard's totals, one row per counter: the sum of its campaigns' rows, kept as they change. */
export const totals = sqliteTable("totals", { name: text("name").primaryKey(), n: integer("n").notNull() });
