// Keeping one dead letter that did not come through a queue (a verified SNS message whose SES payload is unusable).

import type { Db } from "./client";
import { deadLetters } from "./schema";

export type DeadLetterRow = typeof deadLetters.$inferInsert;

/** Stored once per `messageId`: a redelivered message adds nothing. */
export async function insertDeadLetter(db: Db, row: DeadLetterRow): Promise<void> {
  await db.insert(deadLetters).values(row).onConflictDoNothing();
}
