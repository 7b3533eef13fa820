// Worker entry: HTTP through the Hono app, queue batches to their consumers, and the Durable Object classes.

import { app } from "./app";
import { config, reportConfigError } from "./config";
import { database } from "./db/client";
import { ConfigError, SendingNotConfigured } from "./errors";
import { log } from "./log";
import { syncPendingSuppressions } from "./ses/suppression-sync";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { NETWORK_LISTS_CRON, refreshNetworkLists } from "./machine/refresh";
import { consumeEvents } from "./pipeline/consumer";
import { replayOnSchedule } from "./pipeline/replay";
import { retentionOnSchedule } from "./privacy/retention";
import { EVENTS_DLQ, EVENTS_QUEUE, MISCONFIGURED_RETRY_SECONDS, SEND_DLQ, SEND_QUEUE, WEBHOOK_DLQ, WEBHOOK_QUEUE } from "./pipeline/queues";
import { consumeSends } from "./sending/consumer";
import { consumeWebhooks } from "./webhooks/consumer";
import { requeueParkedOnSchedule } from "./guard/parked";
import { digestLegacyKeys } from "./privacy/idempotency-digest";
import { archiveOnSchedule } from "./archive/schedule";

export { CampaignStats } from "./stats/campaign-stats";
export { AccountGuard } from "./guard/account-guard";

/** Every queue this worker consumes (wrangler.toml [[queues.consumers]]), by its exact name. */
export const QUEUE_CONSUMERS: ReadonlyMap<string, (batch: MessageBatch<unknown>, env: Env) => Promise<void>> = new Map([
  [EVENTS_QUEUE, consumeEvents],
  [EVENTS_DLQ, consumeDeadLetters],
  [SEND_QUEUE, consumeSends],
  [SEND_DLQ, consumeDeadLetters],
  [WEBHOOK_QUEUE, consumeWebhooks],
  [WEBHOOK_DLQ, consumeDeadLetters],
]);

/**
 * The dead-letter consumers need only D1, and nothing comes after them: they keep storing while a variable is being
 * fixed. The others leave a misconfigured deployment's batch untouched, to come again after the longest delay the
 * events queue uses between retries.
 */
const NEEDS_NO_CONFIG: ReadonlySet<string> = new Set([EVENTS_DLQ, SEND_DLQ, WEBHOOK_DLQ]);

/**
 * Keeps a batch its consumer cannot run yet. Events ride their 2-hour retry budget, then their dead letters are
 * replayed. Send tasks have 10 retries and are never sent from the dead-letter queue, so they go back on the queue
 * as new messages (a fresh budget) until the keys or the variable are fixed; a task queued twice is still sent at
 * most once (its `deliveries` row is claimed before any SES call).
 */
async function holdBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue !== SEND_QUEUE) return batch.retryAll({ delaySeconds: MISCONFIGURED_RETRY_SECONDS });
  await env.SEND_QUEUE.sendBatch(batch.messages.map((m) => ({ body: m.body, delaySeconds: MISCONFIGURED_RETRY_SECONDS })));
  batch.ackAll();
}

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    // No fallthrough: a renamed or unknown queue fails loudly (and is retried) instead of being read by the wrong code.
    const consume = QUEUE_CONSUMERS.get(batch.queue);
    if (!consume) throw new Error(`no consumer for queue "${batch.queue}": add it to QUEUE_CONSUMERS in src/index.ts`);
    if (NEEDS_NO_CONFIG.has(batch.queue)) return consume(batch, env);
    try {
      config(env);
      // The send queue's AWS keys, when not set, stop its consumer before its first message (SendingNotConfigured).
      await consume(batch, env);
    } catch (err) {
      if (err instanceof ConfigError) reportConfigError(err);
      else if (err instanceof SendingNotConfigured) log.warn("send tasks held", { reason: err.details?.reason, tasks: batch.messages.length });
      else throw err;
      await holdBatch(batch, env);
    }
  },
  async scheduled(controller, env, _ctx) {
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
      log.error("idempotency keys not digested; will retry on schedule", { error: String(err) });
    });
  },
} satisfies ExportedHandler<Env, unknown>;
