// What a CampaignStats object forgets with time (applied ids, old clicks), and when its alarm must wake for it.

import { nextDue, pruneWindow } from "../../stats/click-window";

/**
 * How long an applied event id is remembered. Queues redeliver within their retention (at most 14 days)
 * and SNS retries for hours, so 30 days covers every redelivery the platform makes; a replay older than
 * that (a manual one) would count again, and `POST /api/campaigns/<id>/rebuild` puts the numbers right.
 */
export const APPLIED_ID_RETENTION_MS = 30 * 24 * 3_600_000;
/** While applied ids are kept, the alarm wakes at least this often to forget the old ones. */
export const PRUNE_EVERY_MS = 24 * 3_600_000;

/**
 * Forgets applied ids past their retention and clicks past KEEP_MS. Answers when the alarm must wake next: for
 * the next due click (not before `retryAt` when settling failed), the next click to forget, or the next pruning
 * while applied ids are left (`pruning`); null if nothing is left to wait for.
 */
export function prune(sql: SqlStorage, now: number, retryAt: number | null): { next: number | null; pruning: boolean } {
  sql.exec("DELETE FROM applied WHERE at < ?", now - APPLIED_ID_RETENTION_MS);
  const left = sql.exec<{ n: number }>("SELECT count(*) AS n FROM applied").one().n;
  const due = nextDue(sql);
  const next = earliest([due === null ? null : Math.max(due, retryAt ?? now), pruneWindow(sql, now), left > 0 ? now + PRUNE_EVERY_MS : null]);
  return { next, pruning: left > 0 };
}

function earliest(times: ReadonlyArray<number | null>): number | null {
  const set = times.filter((t): t is number => t !== null);
  return set.length === 0 ? null : Math.min(...set);
}
