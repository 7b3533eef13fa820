// Mirroring hard-bounce and complaint suppressions to the SES account-level suppression list.

import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { suppressions } from "../db/schema";
import { config } from "../config/config";
import { sesConfig, sesRequest, type RetryPolicy } from "./client";
import { SENDING_NOT_CONFIGURED } from "../lib/errors";
import { log } from "../lib/log";

/** SES's list knows only these two reasons; unsubscribes and manual entries stay ours. */
const SES_REASON: Record<string, "BOUNCE" | "COMPLAINT"> = { hard_bounce: "BOUNCE", complaint: "COMPLAINT" };

const PER_RUN = 25;

export interface SyncResult {
  synced: number;
  /** Addresses SES refused or that could not be sent: still pending, tried again behind the others. */
  failed: Array<{ email: string; error: string }>;
}

/**
 * Push suppressions not mirrored yet, a bounded number per run. With `eventIds`, only the ones those events caused
 * (the consumer's own batch, mirrored at once); without, the scheduled run: never-tried ones first, then the ones
 * tried longest ago, so an address SES keeps refusing never holds back the rest. Each address is its own call:
 * one refused is recorded with its error and the others go on.
 */
export async function syncPendingSuppressions(env: Env, db: Db, options: { eventIds?: string[]; policy?: RetryPolicy } = {}): Promise<SyncResult> {
  const { eventIds, policy } = options;
  const result: SyncResult = { synced: 0, failed: [] };
  if (eventIds?.length === 0) return result;
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
    // NULLs first: never tried before tried.
    .orderBy(asc(suppressions.sesSyncAttemptAt), asc(suppressions.since))
    .limit(PER_RUN);
  if (pending.length === 0) return result;
  const settings = config(env).ses;
  if (!settings.credentials) {
    // SES_SYNC_SUPPRESSIONS without keys: nothing can reach SES; the rows stay pending until the keys are set.
    log.warn("SES suppression mirror waiting", { reason: "sending_not_configured", pending: pending.length, message: SENDING_NOT_CONFIGURED });
    return result;
  }
  const ses = sesConfig(settings);
  for (const row of pending) {
    const at = Date.now();
    const same = and(eq(suppressions.email, row.email), eq(suppressions.reason, row.reason));
    try {
      // PUT is idempotent at SES: a retry after a lost answer does no harm.
      await sesRequest(ses, "PUT", "/v2/email/suppression/addresses", { EmailAddress: row.email, Reason: SES_REASON[row.reason] }, policy);
    } catch (err) {
      const error = String(err).slice(0, 500);
      result.failed.push({ email: row.email, error });
      await db.update(suppressions).set({ sesSyncAttemptAt: at, sesSyncError: error }).where(same);
      continue;
    }
    await db.update(suppressions).set({ sesSyncedAt: at, sesSyncAttemptAt: at, sesSyncError: null }).where(same);
    result.synced++;
  }
  if (result.failed.length > 0) {
    // The errors without the addresses: a log line names nobody.
    log.error("SES suppression mirror refused some addresses; will retry on schedule", {
      failed: result.failed.length,
      errors: result.failed.map((f) => f.error),
    });
  }
  return result;
}
