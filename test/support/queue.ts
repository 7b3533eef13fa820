// Driving the queue consumer directly: build a message batch, run the worker's queue handler, read the outcome.
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../src/index";

export function messages(bodies: unknown[], attempts = 1): MessageBatchMessage[] {
  return bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: new Date(1_700_000_000_000), attempts, body }));
}

/** The same messages delivered again, as Queues redelivers them: same ids and bodies, the next attempt number. */
export function redelivered(list: readonly MessageBatchMessage[], attempts: number): MessageBatchMessage[] {
  return list.map((m) => ({ ...m, attempts }));
}

/** Run the worker's queue handler on the messages; each retried message comes back with the delay it asked for. */
export async function deliver(queue: string, list: MessageBatchMessage[], bindings: Env = env) {
  const batch = createMessageBatch(queue, list);
  // getQueueResult does not report per-message delays: note them on the way through.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryMessages: result.retryMessages.map((m) => ({ ...m, delaySeconds: m.delaySeconds ?? delays.get(m.msgId) })) };
}

/**
 * An outage of `outageSeconds`, replayed on a virtual clock: each delivery fails while the clock is inside the
 * outage, and the clock then moves on by the delay the consumer asked Queues for. Nothing sleeps.
 */
export async function rideOut(queue: string, batch: MessageBatchMessage[], faulty: () => Env, outageSeconds: number) {
  const maxRetries = env.TEST_QUEUE_MAX_RETRIES[queue]!;
  let clock = 0;
  let pending = batch;
  const delays: number[] = [];
  for (let attempts = 1; pending.length > 0; attempts++) {
    // A delivery after the last retry would be the dead-letter queue's: the outage must be over before.
    expect(attempts, `still failing at ${clock} s`).toBeLessThanOrEqual(maxRetries + 1);
    const down = clock < outageSeconds;
    const result = await deliver(queue, redelivered(pending, attempts), down ? faulty() : env);
    if (!down) {
      expect(result.explicitAcks.sort()).toEqual(pending.map((m) => m.id).sort());
      break;
    }
    // Nothing acknowledged while storage is out; everything asks to come back later, after the same delay.
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(pending.map((m) => m.id).sort());
    const delay = result.retryMessages[0]!.delaySeconds!;
    expect(result.retryMessages.every((m) => m.delaySeconds === delay)).toBe(true);
    delays.push(delay);
    clock += delay;
    pending = pending.filter((m) => result.retryMessages.some((r) => r.msgId === m.id));
  }
  return { clock, delays };
}
