// Manual suppression management: list, add and lift, each recorded in the history.

import { and, asc, eq, gt, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Suppression, SuppressionReason } from "../domain/suppression";
import { runBatch, type Db, type Statement } from "./client";
import { erasedSuppressions, suppressionLifts, suppressions } from "./schema";
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
  db: Db,
  email: string,
  reason: Exclude<SuppressionReason, "soft_bounce">,
  now = Date.now(),
): Promise<Suppression> {
  await runBatch(db, suppressStatements(db, email, reason, now));
  const row = await db.select().from(suppressions).where(sameAddress(suppressions.emailKey, email)).get();
  return rowToSuppression(row!);
}

/** addSuppression's writes, for callers that suppress many addresses in one batch (the sunset policy). */
export function suppressStatements(db: Db, email: string, reason: Exclude<SuppressionReason, "soft_bounce">, now: number): Statement[] {
  return [
    db
      .insert(suppressions)
      .values({ email, reason, since: now, expiresAt: null, eventId: null })
      .onConflictDoUpdate({
        target: suppressions.emailKey,
        set: { reason: sql`excluded.reason`, since: sql`excluded.since`, expiresAt: null, eventId: null, sesSyncedAt: null },
        setWhere: isNotNull(suppressions.expiresAt),
      }),
    // changes() is the upsert's: a history row only when the state actually changed. Kept as SQL: an INSERT … SELECT
    // of constants with no FROM, which Drizzle's insert().select() cannot build.
    db.run(
      sql`INSERT INTO suppression_history (email, action, reason, at, event_id) SELECT ${email}, 'suppress', ${reason}, ${now}, NULL WHERE changes() > 0`,
    ),
  ];
}

/**
 * Lift by hand, whatever case the address is spelled in: the row goes, the lift time is kept so replayed old
 * events cannot bring it back. `erasedHash` also lifts the suppression an erased person left as a hash.
 */
export async function liftSuppression(db: Db, email: string, now = Date.now(), erasedHash: string | null = null): Promise<void> {
  await runBatch(db, [
    ...(erasedHash === null ? [] : [db.delete(erasedSuppressions).where(eq(erasedSuppressions.addressHash, erasedHash))]),
    // Kept as SQL: Drizzle's insert().select() wants every column of the table, the generated email_key included.
    db.run(
      sql`INSERT INTO suppression_history (email, action, reason, at, event_id)
         SELECT email, 'lift', 'manual', ${now}, NULL FROM suppressions WHERE email_key = lower(${email})`,
    ),
    db.delete(suppressions).where(sameAddress(suppressions.emailKey, email)),
    db
      .insert(suppressionLifts)
      .values({ email, liftedAt: now })
      .onConflictDoUpdate({ target: suppressionLifts.emailKey, set: { liftedAt: now } }),
  ]);
}
