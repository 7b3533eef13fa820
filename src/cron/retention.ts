// The retention cron: what is older than RETENTION_DAYS is deleted in bounded chunks; campaign counters are kept.

import { config } from "../config/config";
import { errorFields, log } from "../lib/log";
import { expireJobMessagesStatement } from "../db/job-messages";
import { retentionStatement, type RetainedTable } from "../db/retention";
import { cursorClampStatement } from "../db/archive-cursor";
import { database, type Db } from "../db/client";

const DAY_MS = 86_400_000;
/** Rows per DELETE: a statement that cannot run long, whatever the table's size. */
export const RETENTION_CHUNK = 1000;
/**
 * Statements per run: well inside D1's queries per invocation beside the cron's other work. 40,000 rows per run,
 * every 15 minutes, is 3.8 million a day: a backlog (the first run on an old database) is worked off over a few runs.
 */
export const RETENTION_BUDGET = 40;

/** What retention deletes from; campaign counters (in the Durable Objects) are kept. */
const TABLES: readonly RetainedTable[] = ["events", "deadLetters", "deliveries", "sendJobs", "webhookDeliveries", "webhookAttempts"];

export interface RetentionReport {
  retentionDays: number;
  cutoff: string;
  removed: Record<RetainedTable, number>;
  /** Send jobs whose message (HTML, text) was cleared: finished, or older than the send queue's retention. */
  jobMessagesCleared: number;
  statements: number;
  /** The budget ran out with rows still to delete: the next run goes on. */
  more: boolean;
}

/**
 * One chunk of a table. Deleting the newest events (all of them, on an idle deployment) would let new rows reuse
 * archived positions: the archive cursor is lowered in the same transaction, so no event is stored in between.
 */
async function deleteChunk(db: Db, table: RetainedTable, cutoff: number, chunk: number): Promise<D1Result> {
  const statement = retentionStatement(db, table, cutoff, chunk);
  if (table !== "events") return statement.run();
  const [deleted] = await db.batch([statement, cursorClampStatement(db)]);
  return deleted;
}

export async function applyRetention(
  env: Env,
  now = Date.now(),
  options = { chunk: RETENTION_CHUNK, budget: RETENTION_BUDGET },
): Promise<RetentionReport> {
  const { retentionDays } = config(env).privacy;
  const cutoff = now - retentionDays * DAY_MS;
  const removed = Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<RetainedTable, number>;
  const db = database(env.DB);
  const jobs = await expireJobMessagesStatement(db, now, options.chunk).run();
  let statements = 1;
  // One chunk per table in turn, so a large backlog in one table holds none of the others back.
  let pending = [...TABLES];
  while (pending.length > 0 && statements < options.budget) {
    for (const table of [...pending]) {
      if (statements >= options.budget) break;
      const { meta } = await deleteChunk(db, table, cutoff, options.chunk);
      statements++;
      removed[table] += meta.changes;
      if (meta.changes < options.chunk) pending = pending.filter((t) => t !== table);
    }
  }
  return {
    retentionDays,
    cutoff: new Date(cutoff).toISOString(),
    removed,
    jobMessagesCleared: jobs.meta.changes,
    statements,
    more: pending.length > 0,
  };
}

/** The scheduled run: logs what it removed; never throws (the next run tries again). */
export async function retentionOnSchedule(env: Env): Promise<void> {
  try {
    const report = await applyRetention(env);
    const total = Object.values(report.removed).reduce((a, b) => a + b, 0) + report.jobMessagesCleared;
    if (total > 0 || report.more) log.info("retention: old data deleted", { ...report });
  } catch (err) {
    log.error("retention could not run; the next scheduled run tries again", { ...errorFields(err) });
  }
}
