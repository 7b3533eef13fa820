// Bytes and entries of every table and index in a local SQLite file (D1's or a Durable Object's), from SQLite's own
// `dbstat` table: what a store holds, measured from outside the worker.
//
// The file is copied with its `-wal` before it is opened: a fresh write may sit only in the WAL (workerd keeps
// writing and checkpoints when it likes), and opening the copy replays it, so the reading is consistent and never
// holds a lock on the live file.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface BtreeUsage {
  /** Bytes of the pages it occupies. */
  bytes: number;
  /** Cells on its leaf pages: rows of a table, entries of an index. */
  entries: number;
}

export interface FileUsage {
  /** By table or index name (sqlite_schema and SQLite's internal tables included). */
  btrees: Record<string, BtreeUsage>;
  /** The main file plus its -wal, as they sit on disk. */
  fileBytes: number;
  pageSize: number;
}

/** dbstat of one SQLite file, read from a copy (with its -wal). */
export function fileUsage(file: string): FileUsage {
  const dir = mkdtempSync(path.join(tmpdir(), "mail-tracker-dbstat-"));
  try {
    const copy = path.join(dir, "db.sqlite");
    copyFileSync(file, copy);
    let fileBytes = statSync(file).size;
    if (existsSync(`${file}-wal`)) {
      copyFileSync(`${file}-wal`, `${copy}-wal`);
      fileBytes += statSync(`${file}-wal`).size;
    }
    const db = new DatabaseSync(copy);
    try {
      const rows = db
        .prepare("SELECT name, sum(pgsize) AS bytes, sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END) AS entries FROM dbstat GROUP BY name")
        .all() as { name: string; bytes: number; entries: number }[];
      const pageSize = (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
      return { btrees: Object.fromEntries(rows.map((r) => [r.name, { bytes: r.bytes, entries: r.entries }])), fileBytes, pageSize };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The usage of every SQLite file in a folder (one Durable Object class: one file per object), added up. */
export function folderUsage(dir: string): FileUsage & { files: number } {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") : [];
  const total: FileUsage & { files: number } = { btrees: {}, fileBytes: 0, pageSize: 4096, files: files.length };
  for (const f of files) {
    const u = fileUsage(path.join(dir, f));
    total.fileBytes += u.fileBytes;
    total.pageSize = u.pageSize;
    for (const [name, b] of Object.entries(u.btrees)) {
      const t = (total.btrees[name] ??= { bytes: 0, entries: 0 });
      t.bytes += b.bytes;
      t.entries += b.entries;
    }
  }
  return total;
}

/** What `after` holds more than `before`, btree by btree (a btree absent before counts from nothing). */
export function usageGrowth(before: FileUsage, after: FileUsage): Record<string, BtreeUsage> {
  const out: Record<string, BtreeUsage> = {};
  for (const [name, a] of Object.entries(after.btrees)) {
    const b = before.btrees[name] ?? { bytes: 0, entries: 0 };
    if (a.bytes !== b.bytes || a.entries !== b.entries) out[name] = { bytes: a.bytes - b.bytes, entries: a.entries - b.entries };
  }
  return out;
}
