// The CampaignStats object's SQLite schema (Drizzle): the source of its migrations in src/stats/migrations/
// (`npm run db:generate`; docs/DURABLE-OBJECT-MIGRATIONS.md). Queries stay raw SQL (src/stats/*.ts).
//
// Tables marked WITHOUT ROWID are so in the migration SQL: Drizzle cannot say it, so the generated SQL is edited.

import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { guard } from "../guard/guard-table";

/** Event ids counted, kept APPLIED_ID_RETENTION_MS: a replay finds its id and changes nothing. */
export const applied = sqliteTable("applied", { id: text("id").primaryKey(), at: integer("at").notNull() }, (t) => [index("applied_at").on(t.at)]);

/** One row per counter (WITHOUT ROWID). */
export const counters = sqliteTable("counters", { name: text("name").primaryKey(), n: integer("n").notNull() });

/** Hourly values per counter (WITHOUT ROWID). */
export const hours = sqliteTable("hours", { hour: integer("hour").notNull(), name: text("name").notNull(), n: integer("n").notNull() }, (t) => [
  primaryKey({ columns: [t.hour, t.name] }),
]);

/** Unique sets: a contact's earliest event per unique counter (WITHOUT ROWID). */
export const firsts = sqliteTable(
  "firsts",
  { name: text("name").notNull(), contact: text("contact").notNull(), at: integer("at").notNull() },
  (t) => [primaryKey({ columns: [t.name, t.contact] })],
);

/** Per-link counts; link_index -1 and url '' stand for none (WITHOUT ROWID). */
export const links = sqliteTable(
  "links",
  {
    linkIndex: integer("link_index").notNull(),
    url: text("url").notNull(),
    total: integer("total").notNull().default(0),
    uniq: integer("uniq").notNull().default(0),
    machine: integer("machine").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkIndex, t.url] })],
);

/** A link's unique clickers (WITHOUT ROWID). */
export const linkContacts = sqliteTable(
  "link_contacts",
  { linkIndex: integer("link_index").notNull(), url: text("url").notNull(), contact: text("contact").notNull() },
  (t) => [primaryKey({ columns: [t.linkIndex, t.url, t.contact] })],
);

/** The object's own facts: campaignId, schemaVersion (WITHOUT ROWID). */
export const about = sqliteTable("about", { key: text("key").primaryKey(), value: text("value").notNull() });

/** The clicks of the last hour (src/stats/click-window.ts). */
export const clickWindow = sqliteTable(
  "click_window",
  {
    id: text("id").primaryKey(),
    message: text("message").notNull(),
    source: text("source").notNull(),
    link: text("link").notNull(),
    at: integer("at").notNull(),
    contact: text("contact"),
    linkIndex: integer("link_index"),
    url: text("url"),
    verdicts: text("verdicts").notNull(),
    reason: text("reason").notNull(),
    due: integer("due"),
    seen: integer("seen").notNull(),
  },
  (t) => [
    index("click_window_near").on(t.message, t.source, t.at),
    index("click_window_due").on(t.due).where(sql`due IS NOT NULL`),
    index("click_window_seen").on(t.seen),
  ],
);
