// Replaying dead letters: their events go through the same idempotent apply as the queue consumer's.

import { chunk } from "../lib/chunk";
import { database } from "../db/client";
import {
  countPendingDeadLetters,
  deadLettersById,
  markHeld,
  markReplayed,
  markReplayFailed,
  pendingDeadLetters,
  replayKey,
  type DeadLetterRow,
  type ReplayKey,
} from "../db/dead-letters";
import { readEnvelope, type TrackingEvent } from "../domain/events";
import { applyEvents } from "./apply";
import { settleEach } from "../lib/isolate";
import { SEND_DLQ, SEND_QUEUE } from "../config/queues";
import { errorFields, log } from "../lib/log";

export interface ReplayReport {
  /** Message ids whose events are now stored and counted. */
  replayed: string[];
  /** Still pending: the next replay (or the scheduled one) tries them again. */
  failed: Array<{ id: string; error: string }>;
  /** Not replayed, and why: not events (held), or not found. */
  skipped: Array<{ id: string; reason: string }>;
}

const emptyReport = (): ReplayReport => ({ replayed: [], failed: [], skipped: [] });

/** Rows applied together, as the queue consumer applies a batch. */
const ROWS_PER_APPLY = 100;

const SEND_TASK = "a send task: replaying it could send an email twice, so it is never replayed";
const NOT_EVENTS = "not an event envelope";

/** The events a row carries, or why it is never replayed (only event envelopes are, and they never send mail). */
function replayable(row: DeadLetterRow): { events: TrackingEvent[] } | { reason: string } {
  if (row.queue === SEND_QUEUE || row.queue === SEND_DLQ) return { reason: SEND_TASK };
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch {
    return { reason: NOT_EVENTS };
  }
  const envelope = readEnvelope(body);
  return envelope.ok ? { events: envelope.value.events } : { reason: envelope.reason };
}

/**
 * Store the rows' events (D1, then counters) and mark the rows replayed. Event ids were fixed where the events
 * were born, so a row replayed twice, or whose events had partly been stored before, changes nothing.
 */
async function replayRows(env: Env, rows: readonly DeadLetterRow[], now: number): Promise<ReplayReport> {
  const report = emptyReport();
  const items: Array<{ id: string; events: TrackingEvent[] }> = [];
  const held: Array<{ id: string; reason: string }> = [];
  for (const row of rows) {
    const found = replayable(row);
    if ("events" in found) items.push({ id: row.messageId, events: found.events });
    else {
      report.skipped.push({ id: row.messageId, reason: found.reason });
      if (row.status === "pending") held.push({ id: row.messageId, reason: found.reason });
    }
  }
  const db = database(env.DB);
  // Held once: the scheduled replay never reads them again.
  await markHeld(db, held);

  for (const part of chunk(items, ROWS_PER_APPLY)) {
    const { done, failed } = await settleEach(part, (xs) =>
      applyEvents(
        env,
        xs.flatMap((x) => x.events),
      ),
    );
    const failures = failed.map((f) => ({ id: f.item.id, error: String(f.error) }));
    await markReplayed(
      db,
      done.map((x) => x.id),
      now,
    );
    await markReplayFailed(db, failures);
    report.replayed.push(...done.map((x) => x.id));
    report.failed.push(...failures);
  }
  return report;
}

/** Replay the named rows, whatever their status (a replayed one again changes nothing); what is not events is skipped. */
export async function replayDeadLettersById(env: Env, ids: readonly string[], now = Date.now()): Promise<ReplayReport> {
  const rows = await deadLettersById(database(env.DB), ids);
  const report = await replayRows(env, rows, now);
  const found = new Set(rows.map((r) => r.messageId));
  for (const id of new Set(ids)) if (!found.has(id)) report.skipped.push({ id, reason: "not found" });
  return report;
}

/**
 * Replay pending rows, a page at a time, up to `pages` pages. A page where nothing could be stored ends the run:
 * storage is still out (or every row there is poison), and the next run tries again.
 */
export async function replayPendingDeadLetters(
  env: Env,
  options: { pages: number; pageSize: number },
  now = Date.now(),
): Promise<ReplayReport & { pending: number }> {
  const db = database(env.DB);
  const report = emptyReport();
  let after: ReplayKey | null = null;
  for (let page = 0; page < options.pages; page++) {
    const rows = await pendingDeadLetters(db, after, options.pageSize);
    if (rows.length === 0) break;
    const result = await replayRows(env, rows, now);
    report.replayed.push(...result.replayed);
    report.failed.push(...result.failed);
    report.skipped.push(...result.skipped);
    if (result.replayed.length === 0 || rows.length < options.pageSize) break;
    after = replayKey(rows[rows.length - 1]!);
  }
  return { ...report, pending: await countPendingDeadLetters(db) };
}

/** The scheduled run: replays what is pending once storage answers again; never throws, logs what it did. */
export async function replayOnSchedule(env: Env): Promise<void> {
  try {
    const report = await replayPendingDeadLetters(env, { pages: 20, pageSize: ROWS_PER_APPLY });
    if (report.replayed.length + report.failed.length + report.skipped.length > 0) {
      log.info("dead letters replayed", {
        replayed: report.replayed.length,
        failed: report.failed.length,
        held: report.skipped.length,
        pending: report.pending,
      });
    }
  } catch (err) {
    log.error("dead-letter replay could not run; the next scheduled run tries again", { ...errorFields(err) });
  }
}
