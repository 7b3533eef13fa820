// A send job's message (HTML and text) is kept only while some recipient may still need it: cleared when the job ends.

import { and, eq, gte, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { deliveries, sendJobs } from "./schema";

/**
 * How long a job's message is kept at most, finished or not: no task can still be on a queue after Queues'
 * longest retention (14 days), and an `unknown` recipient can be resent (resend-unknown), or a `dead_lettered` one sent
 * (send-dead-lettered), only until then.
 */
export const MESSAGE_KEPT_MS = 14 * 24 * 3_600_000;

/** No recipient of the job is in a state that still needs its message. */
function nobodyWaits(db: Db) {
  return notExists(
    db
      .select({ one: sql`1` })
      .from(deliveries)
      .where(and(eq(deliveries.jobId, sendJobs.id), inArray(deliveries.state, ["queued", "paused", "sending", "unknown", "dead_lettered"]))),
  );
}

const cleared = (now: number) => ({ html: null, text: null, finishedAt: now });

/**
 * Clear the message of each of these jobs that has finished: all its tasks were enqueued and none of its recipients
 * is queued, paused by the reputation guard, being sent, unknown or dead-lettered (waiting for an operator). Idempotent: a finished job is left alone.
 */
export function finishJobsStatement(db: Db, jobIds: readonly string[], now: number) {
  return db
    .update(sendJobs)
    .set(cleared(now))
    .where(
      and(
        sql`${sendJobs.id} IN (SELECT value FROM json_each(${JSON.stringify(jobIds)}))`,
        isNull(sendJobs.finishedAt),
        gte(sendJobs.enqueued, sendJobs.recipients),
        nobodyWaits(db),
      ),
    );
}

/** The cron's sweep, in bounded chunks like the rest of retention: jobs finished meanwhile, and jobs past MESSAGE_KEPT_MS. */
export function expireJobMessagesStatement(db: Db, now: number, limit: number) {
  const rowid = sql`rowid`;
  const due = db
    .select({ rowid })
    .from(sendJobs)
    .where(
      and(
        isNull(sendJobs.finishedAt),
        or(lt(sendJobs.createdAt, now - MESSAGE_KEPT_MS), and(gte(sendJobs.enqueued, sendJobs.recipients), nobodyWaits(db))),
      ),
    )
    .limit(limit);
  return db.update(sendJobs).set(cleared(now)).where(inArray(rowid, due));
}
