// The scheduled handler: the daily network-lists refresh, and the 15-minute jobs in their order.

import { config } from "../config/config";
import { database } from "../db/client";
import { errorFields, log } from "../lib/log";
import { replayOnSchedule } from "../pipeline/replay";
import { digestLegacyKeys } from "../privacy/idempotency-digest";
import { syncPendingSuppressions } from "../ses/suppression-sync";
import { archiveOnSchedule } from "./archive";
import { NETWORK_LISTS_CRON, refreshNetworkLists } from "./network-lists";
import { requeueParkedOnSchedule } from "./parked-sends";
import { retentionOnSchedule } from "./retention";

export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  // A misconfigured deployment fails here, before any work (config() has logged why).
  const settings = config(env);
  if (controller.cron === NETWORK_LISTS_CRON) {
    const report = await refreshNetworkLists(env);
    // A source that failed keeps the last good copy: worth a warning, not a failed invocation.
    const failed = report.relay.outcome === "kept" || report.microsoft.outcome === "kept";
    (failed ? log.warn : log.info)("network lists refresh", { ...report });
    return;
  }
  // Replays dead-lettered events once D1 and the counters answer again (logs, never throws).
  await replayOnSchedule(env);
  // Retries mirroring what failed inline (SES down, throttled) until it goes through.
  if (settings.suppression.syncToSes) await syncPendingSuppressions(env, database(env.DB));
  // Parked sends whose campaign may send again (a resume that stopped part-way, a park racing a resume).
  await requeueParkedOnSchedule(env);
  // Deletes what is older than RETENTION_DAYS, a bounded amount per run, and clears finished jobs' messages.
  await retentionOnSchedule(env);
  // Writes settled events to the Parquet archive when a file's worth waits (or its oldest waited an hour), and
  // deletes archive dates older than ARCHIVE_RETENTION_DAYS.
  await archiveOnSchedule(env);
  // Moves Idempotency-Keys stored before digests to their digest (a bounded number per run).
  await digestLegacyKeys(database(env.DB), settings.privacy).catch((err: unknown) => {
    log.error("idempotency keys not digested; will retry on schedule", { ...errorFields(err) });
  });
}
