// Reading suppressions: is an address suppressed now, and with what reason.

import { eq, sql } from "drizzle-orm";
import { normalizeEmail } from "../domain/email";
import { isActive, type Suppression, type SuppressionReason } from "../domain/suppression";
import type { Db } from "./client";
import { suppressions } from "./schema";

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

/** The condition that picks an address's row whatever its case: the table's lower-cased key, computed the same way. */
export function sameAddress(column: typeof suppressions.emailKey, email: string) {
  return eq(column, sql`lower(${normalizeEmail(email)})`);
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
