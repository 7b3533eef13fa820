// Retention as SQL: each statement deletes at most `limit` rows older than a cutoff, so none can run long.
//
// Tables whose rows are written once, in time order (events, deliveries, webhook deliveries and their
// attempts), are walked from their lowest rowid: a row's rowid grows with the time it was stored, so the oldest rows
// are a prefix of the table. Deleting "the first `limit` rows by rowid that are older than the cutoff" reads at most
// `limit` rows per statement and never scans the rest of the table, without an index on the time column.
// dead_letters has one on received_at.

import { and, asc, inArray, lt, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { deadLetters, deliveries, events, sendJobs, webhookAttempts, webhookDeliveries } from "./schema";

export type RetainedTable = "events" | "deadLetters" | "deliveries" | "sendJobs" | "webhookDeliveries" | "webhookAttempts";

const rowid = sql`rowid`;

/** One chunk of one table: the statement deletes at most `limit` rows stored before `cutoff` (ms). */
export function retentionStatement(db: Db, table: RetainedTable, cutoff: number, limit: number) {
  const prefix = (from: SQLiteTable, column: SQLiteColumn) =>
    db.delete(from).where(and(inArray(rowid, db.select({ rowid }).from(from).orderBy(rowid).limit(limit)), lt(column, cutoff)));
  switch (table) {
    case "events":
      return prefix(events, events.receivedAt);
    case "deliveries":
      return prefix(deliveries, deliveries.createdAt);
    case "webhookDeliveries":
      return prefix(webhookDeliveries, webhookDeliveries.createdAt);
    case "webhookAttempts":
      return prefix(webhookAttempts, webhookAttempts.at);
    case "deadLetters":
      return db
        .delete(deadLetters)
        .where(
          inArray(
            rowid,
            db.select({ rowid }).from(deadLetters).where(lt(deadLetters.receivedAt, cutoff)).orderBy(asc(deadLetters.receivedAt)).limit(limit),
          ),
        );
    case "sendJobs":
      // A handful of rows per campaign send: small enough to look through.
      return db.delete(sendJobs).where(inArray(rowid, db.select({ rowid }).from(sendJobs).where(lt(sendJobs.createdAt, cutoff)).limit(limit)));
  }
}
