// The AccountGuard object's SQLite schema (Drizzle): the source of its migrations in src/guard/migrations/
// (`npm run db:generate`; docs/DURABLE-OBJECT-MIGRATIONS.md). Queries stay raw SQL (src/objects/account-guard.ts).

import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { guard } from "./guard-table";

/** Activity ids counted while inside the 24-hour window. */
export const seen = sqliteTable("seen", { id: text("id").primaryKey(), at: integer("at").notNull() }, (t) => [index("seen_at").on(t.at)]);

/** Sends, hard bounces and complaints per minute (WITHOUT ROWID in the migration SQL). */
export const minutes = sqliteTable("minutes", {
  minute: integer("minute").primaryKey(),
  sent: integer("sent").notNull().default(0),
  bouncesHard: integer("bounces_hard").notNull().default(0),
  complaints: integer("complaints").notNull().default(0),
});
