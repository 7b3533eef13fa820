// Dashboard sign-in attempts per network in D1: one atomic claim per attempt, and giving it back when the token was right.

import type { Db } from "./client";

export interface AttemptClaim {
  /** Attempts of the window so far, this one included. */
  attempts: number;
  windowStart: number;
}

/**
 * Count one attempt for `network` before its token is compared: the count and the claim are one statement, so
 * parallel attempts (from any isolate) are all counted. Expired windows are deleted in the same transaction, which
 * both starts this network's new window and keeps the table to the networks of the last window.
 */
export async function claimAttempt(db: Db, network: string, now: number, windowMs: number): Promise<AttemptClaim> {
  const d1 = db.$client;
  const [, claimed] = await d1.batch<{ attempts: number; window_start: number }>([
    d1.prepare("DELETE FROM sign_in_attempts WHERE window_start <= ?").bind(now - windowMs),
    d1
      .prepare(
        `INSERT INTO sign_in_attempts (network, window_start, attempts) VALUES (?1, ?2, 1)
         ON CONFLICT (network) DO UPDATE SET attempts = attempts + 1
         RETURNING attempts, window_start`,
      )
      .bind(network, now),
  ]);
  const row = claimed!.results[0]!;
  return { attempts: row.attempts, windowStart: row.window_start };
}

/** A correct token does not count against its network: its claim is given back (within the same window only). */
export async function releaseAttempt(db: Db, network: string, claim: AttemptClaim): Promise<void> {
  await db.$client
    .prepare("UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE network = ? AND window_start = ? AND attempts > 0")
    .bind(network, claim.windowStart)
    .run();
}
