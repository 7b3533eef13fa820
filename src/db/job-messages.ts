// A send job's message (HTML and text) is kept only while some recipient may still need it: cleared when the job ends.

/**
 * How long a job's message is kept at most, finished or not: no task can still be on a queue after Queues'
 * longest retention (14 days), and an `unknown` recipient can be resent (resend-unknown), or a `dead_lettered` one sent
 * (send-dead-lettered), only until then.
 */
export const MESSAGE_KEPT_MS = 14 * 24 * 3_600_000;

/**
 * Clear the message of each of these jobs that has finished: all its tasks were enqueued and none of its recipients
 * is queued, paused by the reputation guard, being sent, unknown or dead-lettered (waiting for an operator). Idempotent: a finished job is left alone.
 */
export function finishJobsStatement(d1: D1Database, jobIds: readonly string[], now: number): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE send_jobs SET html = NULL, text = NULL, finished_at = ?1
       WHERE id IN (SELECT value FROM json_each(?2)) AND finished_at IS NULL AND enqueued >= recipients
         AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.job_id = send_jobs.id AND deliveries.state IN ('queued', 'paused', 'sending', 'unknown', 'dead_lettered'))`,
    )
    .bind(now, JSON.stringify(jobIds));
}

/** The cron's sweep, in bounded chunks like the rest of retention: jobs finished meanwhile, and jobs past MESSAGE_KEPT_MS. */
export function expireJobMessagesStatement(d1: D1Database, now: number, limit: number): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE send_jobs SET html = NULL, text = NULL, finished_at = ?1
       WHERE rowid IN (
         SELECT rowid FROM send_jobs WHERE finished_at IS NULL AND (created_at < ?2 OR (enqueued >= recipients
           AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.job_id = send_jobs.id AND deliveries.state IN ('queued', 'paused', 'sending', 'unknown', 'dead_lettered'))))
         LIMIT ?3)`,
    )
    .bind(now, now - MESSAGE_KEPT_MS, limit);
}
