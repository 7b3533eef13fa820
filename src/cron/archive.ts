// The archive's part of the 15-minute cron: write what the flush policy says is due, then apply archive retention.

import { errorFields, log } from "../lib/log";
import { archiveRetentionOnSchedule } from "../archive/retention";
import { flushArchive } from "../archive/writer";

/** Logs, never throws: what is not written now stays after the cursor for the next run. */
export async function archiveOnSchedule(env: Env, now = Date.now()): Promise<void> {
  try {
    const report = await flushArchive(env, "policy", now);
    if (report.files.length > 0) log.info("archive: files written", { files: report.files.length, events: report.events, more: report.more });
  } catch (err) {
    log.error("archive not written; the next scheduled run tries again", { ...errorFields(err) });
  }
  await archiveRetentionOnSchedule(env);
}
