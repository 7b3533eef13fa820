// Archive retention: the cron deletes the files of dates older than ARCHIVE_RETENTION_DAYS (local R2 has no
// lifecycle rules, and the deployment's own rule stays in its own code).

import { config } from "../config/config";
import { errorFields, log } from "../lib/log";
import { ARCHIVE_PREFIX, keyDate, utcDate } from "./keys";

const DAY_MS = 86_400_000;
/** Objects listed per run at most: a backlog of old dates is worked off over a few runs. */
export const ARCHIVE_RETENTION_PAGES = 10;

export interface ArchiveRetentionReport {
  retentionDays: number;
  /** Dates before this one are deleted. */
  keepFrom: string;
  deleted: number;
  more: boolean;
}

/** Deletes every archive object whose date is before the retention window; keys sort by date, so it stops at the first kept. */
export async function applyArchiveRetention(env: Env, now = Date.now()): Promise<ArchiveRetentionReport> {
  const { retentionDays } = config(env).archive;
  const keepFrom = utcDate(now - retentionDays * DAY_MS);
  const stopAt = `${ARCHIVE_PREFIX}date=${keepFrom}`;
  let deleted = 0;
  let cursor: string | undefined;
  for (let page = 0; page < ARCHIVE_RETENTION_PAGES; page++) {
    const list = await env.ARCHIVE.list({ prefix: ARCHIVE_PREFIX, cursor, limit: 1000 });
    const old = list.objects.map((o) => o.key).filter((k) => k < stopAt && keyDate(k) !== null);
    if (old.length > 0) await env.ARCHIVE.delete(old);
    deleted += old.length;
    if (!list.truncated || old.length < list.objects.length) return { retentionDays, keepFrom, deleted, more: false };
    cursor = list.cursor;
  }
  return { retentionDays, keepFrom, deleted, more: true };
}

/** The scheduled run: logs what it deleted; never throws (the next run tries again). */
export async function archiveRetentionOnSchedule(env: Env): Promise<void> {
  try {
    const report = await applyArchiveRetention(env);
    if (report.deleted > 0 || report.more) log.info("archive retention: old dates deleted", { ...report });
  } catch (err) {
    log.error("archive retention could not run; the next scheduled run tries again", { ...errorFields(err) });
  }
}
