// Retention as SQL: each statement deletes at most `limit` rows older than a cutoff, so none can run long.
//
// Tables whose rows are written once, in time order (events, deliveries, webhook deliveries and their
// attempts), are walked from their lowest rowid: a row's rowid grows with the time it was stored, so the oldest rows
// are a prefix of the table. Deleting "the first `limit` rows by rowid that are older than the cutoff" reads at most
// `limit` rows per statement and never scans the rest of the table, without an index on the time column.
// dead_letters has one on received_at.

export type RetainedTable = "events" | "deadLetters" | "deliveries" | "sendJobs" | "webhookDeliveries" | "webhookAttempts";

/** One chunk of one table: the statement deletes at most `limit` rows stored before `cutoff` (ms). */
export function retentionStatement(d1: D1Database, table: RetainedTable, cutoff: number, limit: number): D1PreparedStatement {
  const prefix = (name: string, column: string) =>
    `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} ORDER BY rowid LIMIT ?2) AND ${column} < ?1`;
  const sql: Record<RetainedTable, string> = {
    events: prefix("events", "received_at"),
    deliveries: prefix("deliveries", "created_at"),
    webhookDeliveries: prefix("webhook_deliveries", "created_at"),
    webhookAttempts: prefix("webhook_attempts", "at"),
    deadLetters: "DELETE FROM dead_letters WHERE rowid IN (SELECT rowid FROM dead_letters WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)",
    // A handful of rows per campaign send: small enough to look through.
    sendJobs: "DELETE FROM send_jobs WHERE rowid IN (SELECT rowid FROM send_jobs WHERE created_at < ?1 LIMIT ?2)",
  };
  return d1.prepare(sql[table]).bind(cutoff, limit);
}
