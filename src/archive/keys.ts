// Archive object keys: events/date=YYYY-MM-DD/<source>-<seq>.parquet, Hive-partitioned by the UTC date of occurred_at.

export const ARCHIVE_PREFIX = "events/";

/** The UTC date (YYYY-MM-DD) of an instant. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The key of a file of source `source`'s range number `seq` holding events of `date`. Fixed by the range alone, so
 * a run after a crash between the put and the cursor's move overwrites it rather than writing the events twice.
 */
export function archiveKey(date: string, source: string, seq: number): string {
  return `${ARCHIVE_PREFIX}date=${date}/${source}-${String(seq).padStart(12, "0")}.parquet`;
}

const KEY = /^events\/date=(\d{4}-\d{2}-\d{2})\/[a-z0-9-]+\.parquet$/;

/** The date partition of an archive key, or null for a key that is not one the archive writes. */
export function keyDate(key: string): string | null {
  return KEY.exec(key)?.[1] ?? null;
}
