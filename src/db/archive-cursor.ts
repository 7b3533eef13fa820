// The archive cursor of a source (D1 archive_cursor): how far its rows are in R2, and the range being written now.

export interface Cursor {
  source: string;
  /** Every row at or before this position is archived. */
  after: number;
  /** Numbers this source's files: the next file is `seq`; it only goes up. */
  seq: number;
  /** The planned range (after, planTo] of rows stored before planCutoff, while a file is being written. */
  plan: { to: number; cutoff: number } | null;
}

type Row = { source: string; after: number; seq: number; plan_to: number | null; plan_cutoff: number | null };

/** The source's cursor, created at its start (position 0: every stored event is archived, old ones too). */
export async function readCursor(d1: D1Database, source: string): Promise<Cursor> {
  const [, read] = await d1.batch<Row>([
    d1.prepare("INSERT INTO archive_cursor (source) VALUES (?1) ON CONFLICT (source) DO NOTHING").bind(source),
    d1.prepare("SELECT source, after, seq, plan_to, plan_cutoff FROM archive_cursor WHERE source = ?1").bind(source),
  ]);
  const r = read!.results[0]!;
  return { source: r.source, after: r.after, seq: r.seq, plan: r.plan_to === null ? null : { to: r.plan_to, cutoff: r.plan_cutoff ?? 0 } };
}

/**
 * Fixes the range file `seq` holds, unless another run fixed one first; answers the cursor as it now is, whose plan
 * every run then writes (the same rows under the same keys).
 */
export async function planRange(d1: D1Database, cursor: Cursor, to: number, cutoff: number): Promise<Cursor> {
  await d1
    .prepare("UPDATE archive_cursor SET plan_to = ?1, plan_cutoff = ?2 WHERE source = ?3 AND seq = ?4 AND plan_to IS NULL")
    .bind(to, cutoff, cursor.source, cursor.seq)
    .run();
  return readCursor(d1, cursor.source);
}

/** Moves past the planned range once its files are in R2; false when another run already did. */
export async function advanceCursor(d1: D1Database, cursor: Cursor): Promise<boolean> {
  if (!cursor.plan) return false;
  const { meta } = await d1
    .prepare("UPDATE archive_cursor SET after = plan_to, seq = seq + 1, plan_to = NULL, plan_cutoff = NULL WHERE source = ?1 AND seq = ?2")
    .bind(cursor.source, cursor.seq)
    .run();
  return meta.changes === 1;
}

/**
 * Run in the same transaction as any delete from events (erasure, retention): SQLite gives the next row the largest
 * rowid left plus one, so once the largest rows are gone a new row may get a position the cursor has passed. Lowering
 * the cursor (and the plan's end) to the largest position left loses nothing, since nothing is stored above it, and
 * the plan's cutoff keeps rows stored later out of the planned file.
 */
export function cursorClampStatement(d1: D1Database): D1PreparedStatement {
  return d1.prepare(
    `UPDATE archive_cursor SET after = min(after, m.top), plan_to = CASE WHEN plan_to IS NULL THEN NULL ELSE min(plan_to, m.top) END
     FROM (SELECT coalesce(max(rowid), 0) AS top FROM events) AS m
     WHERE source = 'd1' AND (after > m.top OR plan_to > m.top)`,
  );
}
