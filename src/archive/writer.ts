// The archive writer: settled events after the cursor, grouped by UTC date, to Parquet in R2, exactly once.

import { config, type ArchiveConfig } from "../config/config";
import { ConfigError } from "../lib/errors";
import { erasureKey } from "../privacy/address-hash";
import { WINDOW_MS } from "../stats/click-window";
import { advanceCursor, planRange, readCursor, type Cursor } from "../db/archive-cursor";
import { database, type Db } from "../db/client";
import { archiveKey, utcDate } from "./keys";
import { archiveParquet, type ArchivedEvent } from "./parquet";
import { archivedRows } from "./rows";
import { d1EventSource, type EventSource } from "./source";

/** The longest a settled event waits for a full file before the cron writes a smaller one. */
export const MAX_WAIT_MS = 3_600_000;

/** Ranges (files per date) one run writes at most: the rest waits for the next run or flush. */
export const RANGES_PER_RUN = 20;

/**
 * How long after it was stored an event's verdict may still change: a click is settled a stall (settleMs) after it
 * arrived, and a neighbour within ±10 s arriving up to a stall later makes it due once more.
 */
export function settleHorizonMs(settleMs: number): number {
  return 2 * settleMs + WINDOW_MS;
}

export interface WrittenFile {
  key: string;
  events: number;
  size: number;
}

export interface FlushReport {
  files: WrittenFile[];
  events: number;
  /** Settled events still waiting (the run's budget ran out, or the scheduled policy waits for more). */
  more: boolean;
}

/** "all": whatever has settled (POST /api/archive/flush); "policy": only a full file, or one whose oldest event waited too long. */
export type FlushMode = "all" | "policy";

interface Run {
  db: Db;
  bucket: R2Bucket;
  source: EventSource;
  hashKey: CryptoKey;
  archive: ArchiveConfig;
  cutoff: number;
  now: number;
}

/** The range to write next, or null when the mode says to wait. */
async function nextPlan(run: Run, cursor: Cursor, mode: FlushMode): Promise<Cursor | null> {
  if (cursor.plan) return cursor;
  const heads = await run.source.heads(cursor.after, run.archive.fileEvents);
  // Only a prefix: a row stored before a still-unsettled one waits with it, so the cursor never passes a row.
  const end = heads.findIndex((h) => h.receivedAt >= run.cutoff);
  const settled = end === -1 ? heads : heads.slice(0, end);
  if (settled.length === 0) return null;
  const full = settled.length >= run.archive.fileEvents;
  const stale = settled[0]!.receivedAt < run.now - MAX_WAIT_MS;
  if (mode === "policy" && !full && !stale) return null;
  return planRange(run.db, cursor, settled[settled.length - 1]!.position, run.cutoff);
}

/** Puts the planned range's files (one per date), then moves the cursor. */
async function writeRange(run: Run, cursor: Cursor & { plan: NonNullable<Cursor["plan"]> }): Promise<WrittenFile[]> {
  const rows = await archivedRows(run.db, run.hashKey, await run.source.rows(cursor.after, cursor.plan.to, cursor.plan.cutoff));
  const byDate = new Map<string, ArchivedEvent[]>();
  for (const r of rows) {
    const date = utcDate(r.occurredAt);
    const list = byDate.get(date);
    if (list) list.push(r);
    else byDate.set(date, [r]);
  }
  const files: WrittenFile[] = [];
  for (const [date, list] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
    const key = archiveKey(date, run.source.name, cursor.seq);
    const range = { source: run.source.name, seq: String(cursor.seq), from: String(cursor.after + 1), to: String(cursor.plan.to) };
    const body = archiveParquet(list, range);
    await run.bucket.put(key, body, { customMetadata: { events: String(list.length), ...range } });
    files.push({ key, events: list.length, size: body.byteLength });
  }
  await advanceCursor(run.db, cursor);
  return files;
}

/**
 * Writes settled events to R2, a bounded number of ranges per call. The range is fixed in D1 before its puts, and
 * keys are fixed by the range: a run after a crash anywhere writes the same rows to the same keys, and the cursor
 * moves only after every put of the range succeeded.
 */
export async function flushArchive(env: Env, mode: FlushMode, now = Date.now(), source?: EventSource): Promise<FlushReport> {
  const db = database(env.DB);
  const from = source ?? d1EventSource(db);
  const settings = config(env);
  const key = erasureKey(settings.privacy.erasureKey);
  if (!key)
    throw new ConfigError("ERASURE_KEY", "ERASURE_KEY is not set: the archive keys its pseudonyms by a keyed hash of the person and needs that key");
  const run: Run = {
    db,
    bucket: env.ARCHIVE,
    source: from,
    hashKey: await key,
    archive: settings.archive,
    now,
    cutoff: now - settleHorizonMs(settings.machine.settleMs),
  };
  const files: WrittenFile[] = [];
  for (let i = 0; i < RANGES_PER_RUN; i++) {
    const plan = await nextPlan(run, await readCursor(db, from.name), mode);
    if (!plan?.plan) return { files, events: total(files), more: false };
    files.push(...(await writeRange(run, plan as Cursor & { plan: NonNullable<Cursor["plan"]> })));
  }
  return { files, events: total(files), more: true };
}

const total = (files: readonly WrittenFile[]) => files.reduce((n, f) => n + f.events, 0);
