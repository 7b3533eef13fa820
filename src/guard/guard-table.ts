// The reputation guard's one-row table (src/guard/pause-store.ts), in both objects that hold a guard.

import { sql } from "drizzle-orm";
import { check, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Settings, the pause in force, the baseline of the last resume and the pending notice: always the row k = 1. */
export const guard = sqliteTable(
  "guard",
  {
    k: integer("k").primaryKey(),
    scopeId: text("scope_id"),
    enabled: integer("enabled").notNull().default(1),
    minSent: integer("min_sent"),
    bounceRate: real("bounce_rate"),
    complaintRate: real("complaint_rate"),
    pausedAt: integer("paused_at"),
    pause: text("pause"),
    since: integer("since"),
    baseSent: integer("base_sent").notNull().default(0),
    baseBounces: integer("base_bounces").notNull().default(0),
    baseComplaints: integer("base_complaints").notNull().default(0),
    pauses: integer("pauses").notNull().default(0),
    notice: text("notice"),
  },
  (t) => [check("guard_one_row", sql`${t.k} = 1`)],
);
