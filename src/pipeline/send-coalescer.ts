// The edge's queue sends, gathered across the requests an isolate serves within a few milliseconds into one sendBatch.
//
// Each pixel or click used to make its own queue.send: one producer call per request, which on a busy isolate costs
// more than verifying the token. Now the first request to arrive opens a batch and, inside its own waitUntil, sends it
// SEND_WINDOW_MS later (or the request that fills it sends it at once); requests arriving meanwhile only add their
// message. Each message is still one envelope, as before, so the consumer, retries and dead letters see exactly what
// they saw.
//
// The requests that only add a message wait for nothing: the Workers runtime refuses to settle a promise of one
// request from another ("Cannot perform I/O on behalf of a different request"), so their outcome is reported through
// plain callbacks, run by the request that sends the batch; that request's waitUntil keeps the send alive.

import type { EventEnvelope } from "../domain/events";

/** How long the first message of a batch waits for others. Nothing waits for it but storage: the answer has left. */
export const SEND_WINDOW_MS = 25;
/** Queues' limits for one sendBatch are 100 messages and 256 KB in all; the bytes keep a margin for the encoding. */
export const MAX_BATCH_MESSAGES = 100;
export const MAX_BATCH_BYTES = 200 * 1024;

export interface SendOutcome {
  onSent?: () => void;
  onFailed: (err: unknown) => void;
}

interface Batch {
  messages: { body: EventEnvelope; outcome: SendOutcome }[];
  bytes: number;
  /** Set once the batch has been handed to sendBatch: later messages go to a new batch. */
  sealed: boolean;
}

/** The open batch of each queue binding (tests bind their own queues; a deployment has one). */
const open = new WeakMap<Queue, Batch>();

async function send(queue: Queue, batch: Batch): Promise<void> {
  if (batch.sealed) return;
  batch.sealed = true;
  if (open.get(queue) === batch) open.delete(queue);
  let failure: { err: unknown } | null = null;
  try {
    await queue.sendBatch(batch.messages.map((m) => ({ body: m.body, contentType: "json" as const })));
  } catch (err) {
    failure = { err };
  }
  for (const { outcome } of batch.messages) {
    try {
      if (failure) outcome.onFailed(failure.err);
      else outcome.onSent?.();
    } catch {
      // One caller's callback must not keep the others from hearing.
    }
  }
}

/** Size of a message on the queue: its JSON, which is how it is sent. */
function sizeOf(body: EventEnvelope): number {
  return JSON.stringify(body).length;
}

/**
 * Queue `body` in the open batch (or a new one); `outcome` hears once the batch is sent or failed. `waitUntil` is the
 * calling request's, given work only when this request opens or fills a batch.
 */
export function coalescedSend(queue: Queue, body: EventEnvelope, outcome: SendOutcome, waitUntil: (promise: Promise<unknown>) => void): void {
  const bytes = sizeOf(body);
  let batch = open.get(queue);
  if (batch && batch.bytes + bytes > MAX_BATCH_BYTES) {
    waitUntil(send(queue, batch));
    batch = undefined;
  }
  if (!batch) {
    const opened: Batch = { messages: [], bytes: 0, sealed: false };
    open.set(queue, opened);
    waitUntil(new Promise((r) => setTimeout(r, SEND_WINDOW_MS)).then(() => send(queue, opened)));
    batch = opened;
  }
  batch.messages.push({ body, outcome });
  batch.bytes += bytes;
  if (batch.messages.length >= MAX_BATCH_MESSAGES) waitUntil(send(queue, batch));
}
