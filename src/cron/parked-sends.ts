// Putting parked sends back on the send queue once their campaign (and the account) may send again.

import { chunk } from "../lib/chunk";
import { database } from "../db/client";
import { pausedDeliveries, unpark, type PausedKey } from "../db/deliveries";
import { errorFields, log } from "../lib/log";
import { SEND_BATCH_SIZE, type SendTask } from "../sending/jobs";
import { pauseChecker } from "../sending/pause-check";

const PAGE = 500;
/** One call re-queues at most this many pages (10,000 recipients); the scheduled sweep carries on with the rest. */
const MAX_PAGES = 20;

export interface RequeueReport {
  /** Tasks put on the send queue again. */
  requeued: number;
  /** Parked recipients left parked because their campaign (or the account) is still paused. */
  stillPaused: number;
  /** More parked recipients may remain: call again (the scheduled sweep does). */
  more: boolean;
}

/**
 * Re-queue the parked recipients of `campaignId` (or of every campaign) whose sends are no longer paused. Each is
 * marked `queued` only after its task is on the queue, so a failure leaves it parked for the next try; a task
 * queued twice is still sent once (the consumer's claim).
 */
export async function requeueParked(
  env: Pick<Env, "DB" | "SEND_QUEUE" | "CAMPAIGN_STATS" | "ACCOUNT_GUARD">,
  campaignId: string | null,
  now = Date.now(),
): Promise<RequeueReport> {
  const db = database(env.DB);
  const pauseOf = pauseChecker(env);
  const report: RequeueReport = { requeued: 0, stillPaused: 0, more: false };
  let after: PausedKey | null = null;
  for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
    const rows = await pausedDeliveries(db, campaignId, after, PAGE);
    if (rows.length === 0) return report;
    after = rows[rows.length - 1]!;
    const ready: typeof rows = [];
    for (const row of rows) {
      if (await pauseOf(row.campaignId)) report.stillPaused++;
      else ready.push(row);
    }
    for (const part of chunk(ready, SEND_BATCH_SIZE)) {
      const tasks: SendTask[] = part.map((r) => ({ v: 1, jobId: r.jobId, to: r.email, n: r.position }));
      await env.SEND_QUEUE.sendBatch(tasks.map((body) => ({ body, contentType: "json" as const })));
      await unpark(db, part, now);
      report.requeued += part.length;
    }
    if (rows.length < PAGE) return report;
  }
  report.more = true;
  return report;
}

/** The scheduled sweep: never throws, logs what it did. */
export async function requeueParkedOnSchedule(env: Env): Promise<void> {
  try {
    const report = await requeueParked(env, null);
    if (report.requeued > 0 || report.more) log.info("parked sends re-queued", { ...report });
  } catch (err) {
    log.error("parked sends not re-queued; the next scheduled run tries again", { ...errorFields(err) });
  }
}
