// The archive cursor of a source (D1 archive_cursor): how far its rows are in R2, and the range being written now.

import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "./client";
import { archiveCursor, events } from "./schema";

export interface Cursor {
  source: string;
  /** Every row at or before this position is archived. */
  after: number;
  /** Numbers this source's files: the next file is `seq`; it only goes up. */
  seq: number;
  /** The planned range (after, planTo] of rows stored before planCutoff, while a file is being written. */
  plan: { to: number; cutoff: number } | null;
}

/** The source's cursor, created at its start (position 0: every stored event is archived, old ones too). */
export async function readCursor(db: Db, source: string): Promise<Cursor> {
  const [, read] = await db.batch([
    db.insert(archiveCursor).values({ source }).onConflictDoNothing({ target: archiveCursor.source }),
    db.select().from(archiveCursor).where(eq(archiveCursor.source, source)),
  ]);
  const r = read[0]!;
  return { source: r.source, after: r.after, seq: r.seq, plan: r.planTo === null ? null : { to: r.planTo, cutoff: r.planCutoff ?? 0 } };
}

/**
 * Fixes the range file `seq` holds, unless another run fixed one first; answers the cursor as it now is, whose plan
 * every run then writes (the same rows under the same keys).
 */
export async function planRange(db: Db, cursor: Cursor, to: number, cutoff: number): Promise<Cursor> {
  await db
    .update(archiveCursor)
    .set({ planTo: to, planCutoff: cutoff })
    .where(and(eq(archiveCursor.source, cursor.source), eq(archiveCursor.seq, cursor.seq), isNull(archiveCursor.planTo)));
  return readCursor(db, cursor.source);
}

/** Moves past the planned range once its files are in R2; false when another run already did. */
export async function advanceCursor(db: Db, cursor: Cursor): Promise<boolean> {
  if (!cursor.plan) return false;
  const { meta } = await db
    .update(archiveCursor)
    .set({ after: sql`${archiveCursor.planTo}`, seq: sql`${archiveCursor.seq} + 1`, planTo: null, planCutoff: null })
    .where(and(eq(archiveCursor.source, cursor.source), eq(archiveCursor.seq, cursor.seq)));
  return meta.changes === 1;
}

/**
 * Run in the same transaction as any delete from events (erasure, retention): SQLite gives the next row the largest
 * rowid left plus one, so once the largest rows are gone a new row may get a position the cursor has passed. Lowering
 * the cursor (and the plan's end) to the largest position left loses nothing, since nothing is stored above it, and
 * the plan's cutoff keeps rows stored later out of the planned file.
 */
export function cursorClampStatement(db: Db) {
  const m = db
    .select({ top: sql<number>`coalesce(max(rowid), 0)`.as("top") })
    .from(events)
    .as("m");
  return db
    .update(archiveCursor)
    .set({
      after: sql`min(${archiveCursor.after}, ${m.top})`,
      planTo: sql`CASE WHEN ${archiveCursor.planTo} IS NULL THEN NULL ELSE min(${archiveCursor.planTo}, ${m.top}) END`,
    })
    .from(m)
    .where(and(eq(archiveCursor.source, "d1"), sql`(${archiveCursor.after} > ${m.top} OR ${archiveCursor.planTo} > ${m.top})`));
}
