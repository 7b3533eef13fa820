// Mirroring hard-bounce and complaint suppressions to the SES account-level suppression list.

import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { suppressions } from "../db/schema";
import { sesConfig, sesRequest, type RetryPolicy } from "./client";

/** SES's list knows only these two reasons; unsubscribes and manual entries stay ours. */
const SES_REASON: Record<string, "BOUNCE" | "COMPLAINT"> = { hard_bounce: "BOUNCE", complaint: "COMPLAINT" };

const PER_RUN = 25;

/**
 * Push suppressions not mirrored yet, a bounded number per run; returns how many were. With `eventIds`, only
 * the ones those events caused (the consumer's own batch, mirrored at once); without, the oldest backlog first
 * (the scheduled run).
 */
export async function syncPendingSuppressions(env: Env, db: Db, options: { eventIds?: string[]; policy?: RetryPolicy } = {}): Promise<number> {
  const { eventIds, policy } = options;
  if (eventIds?.length === 0) return 0;
  const pending = await db
    .select({ email: suppressions.email, reason: suppressions.reason })
    .from(suppressions)
    .where(
      and(
        isNull(suppressions.sesSyncedAt),
        inArray(suppressions.reason, Object.keys(SES_REASON)),
        // Kept under D1's 100 bound parameters; any beyond stay pending for the scheduled run.
        eventIds ? inArray(suppressions.eventId, eventIds.slice(0, 90)) : undefined,
      ),
    )
    .orderBy(suppressions.since)
    .limit(PER_RUN);
  if (pending.length === 0) return 0;
  const config = sesConfig(env);
  let synced = 0;
  for (const row of pending) {
    // PUT is idempotent at SES: a retry after a lost answer does no harm.
    await sesRequest(config, "PUT", "/v2/email/suppression/addresses", { EmailAddress: row.email, Reason: SES_REASON[row.reason] }, policy);
    await db
      .update(suppressions)
      .set({ sesSyncedAt: Date.now() })
      .where(and(eq(suppressions.email, row.email), eq(suppressions.reason, row.reason)));
    synced++;
  }
  return synced;
}
