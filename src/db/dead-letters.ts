// The dead_letters table: storing queue messages once, listing them page by page, and recording their replay.

import { and, asc, count, eq, getTableColumns, gt, inArray, or, sql } from "drizzle-orm";
import { chunk, rowsPerStatement } from "../lib/chunk";
import { runBatch, type Db } from "./client";
import { deadLetters, type DeadLetterStatus } from "./schema";

export type DeadLetterRow = typeof deadLetters.$inferSelect;
export type NewDeadLetter = typeof deadLetters.$inferInsert;

/** Insert rows, each once: a dead letter delivered again (same message id) changes nothing. */
export async function insertDeadLetters(db: Db, rows: readonly NewDeadLetter[]): Promise<void> {
  const statements = chunk(rows, rowsPerStatement(Object.keys(getTableColumns(deadLetters)).length)).map((part) =>
    db.insert(deadLetters).values(part).onConflictDoNothing(),
  );
  await runBatch(db, statements);
}

/** Where a listing page ends: rows are in arrival order, then message id. */
export interface ReceivedKey {
  at: number;
  id: string;
}

/** Up to `rows` rows in arrival order after `after`, optionally of one status. */
export function listDeadLetters(db: Db, status: DeadLetterStatus | undefined, after: ReceivedKey | null, rows: number): Promise<DeadLetterRow[]> {
  const next = after
    ? or(gt(deadLetters.receivedAt, after.at), and(eq(deadLetters.receivedAt, after.at), gt(deadLetters.messageId, after.id)))
    : undefined;
  return db
    .select()
    .from(deadLetters)
    .where(and(status ? eq(deadLetters.status, status) : undefined, next))
    .orderBy(asc(deadLetters.receivedAt), asc(deadLetters.messageId))
    .limit(rows);
}

/** Where a replay run has got to: pending rows are taken least-tried first, then in arrival order. */
export interface ReplayKey {
  tries: number;
  at: number;
  id: string;
}

export function replayKey(row: DeadLetterRow): ReplayKey {
  return { tries: row.replayAttempts, at: row.receivedAt, id: row.messageId };
}

/** The next pending rows after `after`: a row that keeps failing sinks behind the fresh ones and blocks none. */
export function pendingDeadLetters(db: Db, after: ReplayKey | null, limit: number): Promise<DeadLetterRow[]> {
  return db
    .select()
    .from(deadLetters)
    .where(
      and(
        eq(deadLetters.status, "pending"),
        after
          ? sql`(${deadLetters.replayAttempts}, ${deadLetters.receivedAt}, ${deadLetters.messageId}) > (${after.tries}, ${after.at}, ${after.id})`
          : undefined,
      ),
    )
    .orderBy(asc(deadLetters.replayAttempts), asc(deadLetters.receivedAt), asc(deadLetters.messageId))
    .limit(limit);
}

export async function countPendingDeadLetters(db: Db): Promise<number> {
  const row = await db.select({ n: count() }).from(deadLetters).where(eq(deadLetters.status, "pending")).get();
  return row?.n ?? 0;
}

/** The rows with these message ids (at most 100, under D1's bound-parameter limit), in no particular order. */
export function deadLettersById(db: Db, ids: readonly string[]): Promise<DeadLetterRow[]> {
  return db
    .select()
    .from(deadLetters)
    .where(inArray(deadLetters.messageId, [...ids]));
}

/** Their events are stored: the rows stay, for the record, marked replayed. */
export async function markReplayed(db: Db, ids: readonly string[], now: number): Promise<void> {
  await runBatch(
    db,
    chunk(ids, 90).map((part) =>
      db.update(deadLetters).set({ status: "replayed", replayedAt: now, lastError: null }).where(inArray(deadLetters.messageId, part)),
    ),
  );
}

/** A replay that failed: counted, with the error, and left pending for the next run. */
export async function markReplayFailed(db: Db, failures: ReadonlyArray<{ id: string; error: string }>): Promise<void> {
  await runBatch(
    db,
    failures.map((f) =>
      db
        .update(deadLetters)
        .set({ replayAttempts: sql`${deadLetters.replayAttempts} + 1`, lastError: f.error.slice(0, 1000) })
        .where(eq(deadLetters.messageId, f.id)),
    ),
  );
}

/** A pending row whose body turned out not to be events: kept to be read, never tried again. */
export async function markHeld(db: Db, held: ReadonlyArray<{ id: string; reason: string }>): Promise<void> {
  await runBatch(
    db,
    held.map((h) => db.update(deadLetters).set({ status: "held", lastError: h.reason }).where(eq(deadLetters.messageId, h.id))),
  );
}
