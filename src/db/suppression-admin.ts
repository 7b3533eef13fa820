// Manual suppression management: list, add and lift, each recorded in the history.

import { and, asc, gt, isNull, or, sql } from "drizzle-orm";
import type { Suppression, SuppressionReason } from "../domain/suppression";
import { database, prepare, runBatch, type Db } from "./client";
import { suppressionLifts, suppressions } from "./schema";
import { rowToSuppression, sameAddress } from "./suppressions";

/**
 * Up to `rows` active suppressions in address order, after `afterEmail`, only those whose address contains `contains`
 * (any case) when given.
 */
export async function listSuppressions(
  db: Db,
  afterEmail: string | null,
  rows: number,
  contains: string | null = null,
  now = Date.now(),
): Promise<Suppression[]> {
  const found = await db
    .select()
    .from(suppressions)
    .where(
      and(
        or(isNull(suppressions.expiresAt), gt(suppressions.expiresAt, now)),
        afterEmail === null ? undefined : gt(suppressions.email, afterEmail),
        // instr, not LIKE: the text is matched as it is, with no wildcard characters to escape.
        contains === null ? undefined : sql`instr(${suppressions.emailKey}, lower(${contains})) > 0`,
      ),
    )
    .orderBy(asc(suppressions.email))
    .limit(rows);
  return found.map(rowToSuppression);
}

/**
 * Add by hand. Like the rules, a permanent reason replaces an expiring one and never another permanent one,
 * so repeating the call changes nothing; returns the suppression now in force (under the address as first
 * given, whatever case this call spells it in).
 */
export async function addSuppression(
  d1: D1Database,
  email: string,
  reason: Exclude<SuppressionReason, "soft_bounce">,
  now = Date.now(),
): Promise<Suppression> {
  await runBatch(d1, [
    d1
      .prepare(
        `INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?1, ?2, ?3, NULL, NULL)
         ON CONFLICT (email_key) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = NULL,
           event_id = NULL, ses_synced_at = NULL
         WHERE suppressions.expires_at IS NOT NULL`,
      )
      .bind(email, reason, now),
    // changes() is the upsert's: a history row only when the state actually changed.
    d1
      .prepare(`INSERT INTO suppression_history (email, action, reason, at, event_id) SELECT ?1, 'suppress', ?2, ?3, NULL WHERE changes() > 0`)
      .bind(email, reason, now),
  ]);
  const row = await database(d1).select().from(suppressions).where(sameAddress(suppressions.emailKey, email)).get();
  return rowToSuppression(row!);
}

/**
 * Lift by hand, whatever case the address is spelled in: the row goes, the lift time is kept so replayed old
 * events cannot bring it back.
 */
export async function liftSuppression(d1: D1Database, email: string, now = Date.now()): Promise<void> {
  const db = database(d1);
  await runBatch(d1, [
    d1
      .prepare(
        `INSERT INTO suppression_history (email, action, reason, at, event_id)
         SELECT email, 'lift', 'manual', ?2, NULL FROM suppressions WHERE email_key = lower(?1)`,
      )
      .bind(email, now),
    prepare(d1, db.delete(suppressions).where(sameAddress(suppressions.emailKey, email))),
    prepare(
      d1,
      db
        .insert(suppressionLifts)
        .values({ email, liftedAt: now })
        .onConflictDoUpdate({ target: suppressionLifts.emailKey, set: { liftedAt: now } }),
    ),
  ]);
}
