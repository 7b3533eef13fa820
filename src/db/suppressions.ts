// Reading suppressions: is an address suppressed now, and with what reason.

import { eq } from "drizzle-orm";
import { identityKey } from "../domain/identity";
import { ConfigError } from "../lib/errors";
import { isActive, type Suppression, type SuppressionReason } from "../domain/suppression";
import type { Db } from "./client";
import { erasedSuppressions, suppressions } from "./schema";

type Row = typeof suppressions.$inferSelect;

export function rowToSuppression(row: Row): Suppression {
  return {
    email: row.email,
    reason: row.reason as SuppressionReason,
    since: row.since,
    expiresAt: row.expiresAt,
    eventId: row.eventId,
  };
}

/** The condition that picks an address's row whatever its case: the table's key (lower(email)) is the identity key. */
export function sameAddress(column: typeof suppressions.emailKey, email: string) {
  return eq(column, identityKey(email));
}

/**
 * The address's active suppression, or null (never suppressed, lifted, or a soft bounce that expired). Case is
 * ignored in the whole address: a complaint from `Ann@x` keeps `ann@x` from being mailed.
 */
export async function findSuppression(db: Db, email: string, now = Date.now()): Promise<Suppression | null> {
  const row = await db.select().from(suppressions).where(sameAddress(suppressions.emailKey, email)).get();
  if (!row || !isActive(row, now)) return null;
  return rowToSuppression(row);
}

/**
 * The suppression of a person who was erased while suppressed, found by `hash` (their address's HMAC, see
 * privacy/address-hash.ts); it names `email`, the address asked about. A null hash means ERASURE_KEY is not set:
 * if any erased suppression exists it cannot be checked, and that is an error, never a licence to mail.
 */
export async function findErasedSuppression(db: Db, email: string, hash: string | null, now = Date.now()): Promise<Suppression | null> {
  if (hash === null) {
    const any = await db.select({ hash: erasedSuppressions.addressHash }).from(erasedSuppressions).limit(1).get();
    if (any) throw new ConfigError("ERASURE_KEY", "ERASURE_KEY is not set, so the suppressions of erased people cannot be checked: set it again");
    return null;
  }
  const row = await db.select().from(erasedSuppressions).where(eq(erasedSuppressions.addressHash, hash)).get();
  if (!row || !isActive(row, now)) return null;
  return { email, reason: row.reason as SuppressionReason, since: row.since, expiresAt: row.expiresAt, eventId: null };
}
