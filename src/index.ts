// Worker entry: HTTP through the Hono app, queue batches to their consumers, and the Durable Object classes.

import { app } from "./app";
import { config, reportConfigError } from "./config";
import { database } from "./db/client";
import { ConfigError } from "./errors";
import { syncPendingSuppressions } from "./ses/suppression-sync";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { consumeEvents } from "./pipeline/consumer";
import { replayOnSchedule } from "./pipeline/replay";
import { EVENTS_DLQ, EVENTS_QUEUE, SEND_DLQ, SEND_QUEUE, WEBHOOK_DLQ, WEBHOOK_QUEUE } from "./pipeline/queues";
import { consumeSends } from "./sending/consumer";
import { consumeWebhooks } from "./webhooks/consumer";
import { requeueParkedOnSchedule } from "./guard/parked";

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
export const MISCONFIGURED_RETRY_SECONDS = 300;

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    // No fallthrough: a renamed or unknown queue fails loudly (and is retried) instead of being read by the wrong code.
    const consume = QUEUE_CONSUMERS.get(batch.queue);
    if (!consume) throw new Error(`no consumer for queue "${batch.queue}": add it to QUEUE_CONSUMERS in src/index.ts`);
    if (NEEDS_NO_CONFIG.has(batch.queue)) return consume(batch, env);
    try {
      config(env);
      // A secret the consumer needs and does not have (the send queue's AWS keys) fails before its first message.
      await consume(batch, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      reportConfigError(err);
      batch.retryAll({ delaySeconds: MISCONFIGURED_RETRY_SECONDS });
    }
  },
  async scheduled(_controller, env, _ctx) {
    // A misconfigured deployment fails here, before any work (config() has logged why).
    const settings = config(env);
    // Replays dead-lettered events once D1 and the counters answer again (logs, never throws).
    await replayOnSchedule(env);
    // Retries mirroring what failed inline (SES down, throttled) until it goes through.
    if (settings.suppression.syncToSes) await syncPendingSuppressions(env, database(env.DB));
    // Parked sends whose campaign may send again (a resume that stopped part-way, a park racing a resume).
    await requeueParkedOnSchedule(env);
  },
} satisfies ExportedHandler<Env, unknown>;
