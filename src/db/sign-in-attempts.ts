// Dashboard sign-in attempts per network in D1: one atomic claim per attempt, and giving it back when the token was right.

import { and, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import { signInAttempts } from "./schema";

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
  const [, claimed] = await db.batch([
    db.delete(signInAttempts).where(lte(signInAttempts.windowStart, now - windowMs)),
    db
      .insert(signInAttempts)
      .values({ network, windowStart: now, attempts: 1 })
      .onConflictDoUpdate({ target: signInAttempts.network, set: { attempts: sql`${signInAttempts.attempts} + 1` } })
      .returning({ attempts: signInAttempts.attempts, windowStart: signInAttempts.windowStart }),
  ]);
  return claimed[0]!;
}

/** A correct token does not count against its network: its claim is given back (within the same window only). */
export async function releaseAttempt(db: Db, network: string, claim: AttemptClaim): Promise<void> {
  await db
    .update(signInAttempts)
    .set({ attempts: sql`${signInAttempts.attempts} - 1` })
    .where(and(eq(signInAttempts.network, network), eq(signInAttempts.windowStart, claim.windowStart), gt(signInAttempts.attempts, 0)));
}
