// The one place that knows how local tools lay out their state on disk: where a local D1 database's SQLite file is.
//
// Reading that file directly takes milliseconds; `wrangler d1 execute --local` (public, see queryWithWrangler in
// bench/local-worker.ts) takes seconds a call, too slow to poll a draining queue. The path below is not a documented
// interface of any of these tools; it was read from their sources and holds for wrangler 4.x with the miniflare 5.x
// and workerd it pins (checked with wrangler 4.164.0, miniflare 5.20261117.0-beta, workerd 1.20261117.1):
//
//   <persist dir>/v3/d1/miniflare-D1DatabaseObject/<64 hex>.sqlite
//   │             │  │  │                          └ workerd's on-disk Durable Object storage: one SQLite file per
//   │             │  │  │                            object, named by its id (one D1 binding: one file)
//   │             │  │  └ miniflare's Durable Object class for local D1 (`miniflare-${D1_DATABASE_OBJECT_CLASS_NAME}`);
//   │             │  │    a `metadata.sqlite` (workerd's) sits beside the database files
//   │             │  └ miniflare's D1 plugin folder
//   │             └ wrangler's state-format version, appended to `--persist-to` / `dev.persist`
//   └ the `--persist-to` directory this run created (a fresh temporary directory, never the developer's .wrangler/)
//
// If a new wrangler, miniflare or workerd changes any part of it, localD1File throws naming the folder it looked in,
// at the first poll: `npm run bench` (CPU cases that store events) and `npm run load` (waiting for the drain)
// stop there. `npm test` does not use this module. The fix is here only: find the new location, or fall back to
// queryWithWrangler (slower polling, same answers).
import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/** The SQLite file of the only D1 database in a `--persist-to` directory. */
export function localD1File(persistDir: string): string {
  const dir = path.join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database file in ${dir}, found ${files.join(", ") || "none"}`);
  return path.join(dir, files[0]!);
}

/**
 * Rows from the local D1 database, read straight from its file: read-only, and WAL mode lets this reader see every
 * committed transaction while workerd keeps writing.
 */
export function readLocalD1<T>(persistDir: string, sql: string): T[] {
  // A reader can meet a lock for a moment (a WAL checkpoint, a writer opening the file): it waits instead of failing.
  const db = new DatabaseSync(localD1File(persistDir), { readOnly: true, timeout: 5000 });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
