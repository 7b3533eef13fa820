// The queue handler: each batch to its queue's consumer, held back when the deployment is misconfigured.

import { config, reportConfigError } from "../config/config";
import { EVENTS_DLQ, EVENTS_QUEUE, MISCONFIGURED_RETRY_SECONDS, SEND_DLQ, SEND_QUEUE, WEBHOOK_DLQ, WEBHOOK_QUEUE } from "../config/queues";
import { ConfigError, SendingNotConfigured } from "../lib/errors";
import { log } from "../lib/log";
import { consumeDeadLetters } from "./dead-letters";
import { consumeEvents } from "./events";
import { consumeSends } from "./sends";
import { consumeWebhooks } from "./webhooks";

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

export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // No fallthrough: a renamed or unknown queue fails loudly (and is retried) instead of being read by the wrong code.
  const consume = QUEUE_CONSUMERS.get(batch.queue);
  if (!consume) throw new Error(`no consumer for queue "${batch.queue}": add it to QUEUE_CONSUMERS in src/queues/dispatch.ts`);
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
}
