// Driving the queue consumer directly: build a message batch, run the worker's queue handler, read the outcome.
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../src/index";

export function messages(bodies: unknown[], attempts = 1): MessageBatchMessage[] {
  return bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: new Date(1_700_000_000_000), attempts, body }));
}

/** The same messages delivered again, as Queues redelivers them: same ids and bodies, the next attempt number. */
export function redelivered(list: readonly MessageBatchMessage[], attempts: number): MessageBatchMessage[] {
  return list.map((m) => ({ ...m, attempts }));
}

export async function deliver(queue: string, list: MessageBatchMessage[], bindings: Env = env) {
  const batch = createMessageBatch(queue, list);
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}
