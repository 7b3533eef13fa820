// Reading suppressions: is an address suppressed now, and with what reason.

import { eq } from "drizzle-orm";
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

/** The address's active suppression, or null (never suppressed, lifted, or a soft bounce that expired). */
export async function findSuppression(db: Db, email: string, now = Date.now()): Promise<Suppression | null> {
  const row = await db.select().from(suppressions).where(eq(suppressions.email, normalizeEmail(email))).get();
  if (!row || !isActive(row, now)) return null;
  return rowToSuppression(row);
}
