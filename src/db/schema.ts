// The D1 schema (Drizzle). Migrations in migrations/ are generated from this file by drizzle-kit.

import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Every event, once: the primary key is the id fixed where the event was born. */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    campaignId: text("campaign_id"),
    contactId: text("contact_id"),
    email: text("email"),
    sesMessageId: text("ses_message_id"),
    /** Milliseconds since the epoch, when it happened. */
    occurredAt: integer("occurred_at").notNull(),
    /** Milliseconds since the epoch, when the consumer stored it. */
    receivedAt: integer("received_at").notNull(),
    link: text("link"),
    linkIndex: integer("link_index"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index("events_campaign_time").on(t.campaignId, t.occurredAt),
    index("events_contact_time").on(t.contactId, t.occurredAt),
    index("events_ses_message").on(t.sesMessageId),
  ],
);

/** Queue messages that exhausted their retries: kept whole so nothing vanishes. */
export const deadLetters = sqliteTable("dead_letters", {
  /** The queue message id: a redelivered dead letter is stored once. */
  messageId: text("message_id").primaryKey(),
  queue: text("queue").notNull(),
  body: text("body").notNull(),
  attempts: integer("attempts").notNull(),
  /** Why it landed here when the consumer knew (e.g. a body that is not an event envelope). */
  reason: text("reason"),
  enqueuedAt: integer("enqueued_at").notNull(),
  receivedAt: integer("received_at")
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
});
