// The edge's queue sends, gathered across the requests an isolate serves within a few milliseconds into one sendBatch
// whose messages each carry many events.
//
// Each pixel or click used to make its own queue.send: one producer call per request, which on a busy isolate costs
// more than verifying the token, and one queue message (one billed operation, one consumer slot) per event. Now the
// first request to arrive opens a batch and, inside its own waitUntil, sends it SEND_WINDOW_MS later (or the request
// that fills it sends it at once); requests arriving meanwhile only add their events. At send time the window's events
// are packed, in order, into as few messages as fit under Queues' 128 KB each (./pack-events.ts). Every message is an
// ordinary envelope (`{ v: 1, events }`), the shape the consumer, retries, dead letters and replay always took: a
// message of many events is stored and counted, retried, dead-lettered and replayed as a whole, idempotently on event
// ids, exactly as one of a single event was.
//
// The requests that only add events wait for nothing: the Workers runtime refuses to settle a promise of one
// request from another ("Cannot perform I/O on behalf of a different request"), so their outcome is reported through
// plain callbacks, run by the request that sends the batch; that request's waitUntil keeps the send alive. One
// sendBatch carries all of a batch's messages, so every caller hears the outcome of the messages carrying its events.

import type { TrackingEvent } from "../domain/events";
import { jsonBytes, MAX_MESSAGE_BYTES, packEvents } from "./pack-events";

/** How long the first event of a batch waits for others. Nothing waits for it but storage: the answer has left. */
export const SEND_WINDOW_MS = 25;
/** Queues takes at most 256 KB in one sendBatch: two full messages, with the same margin as each message's. */
export const MAX_BATCH_BYTES = 2 * MAX_MESSAGE_BYTES;

export interface SendOutcome {
  onSent?: () => void;
  onFailed: (err: unknown) => void;
}

interface Batch {
  events: TrackingEvent[];
  /** Each event's JSON size, measured once, for packing. */
  sizes: number[];
  outcomes: SendOutcome[];
  bytes: number;
  /** Set once the batch has been handed to sendBatch: later events go to a new batch. */
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
    await queue.sendBatch(packEvents(batch.events, batch.sizes).map((body) => ({ body, contentType: "json" as const })));
  } catch (err) {
    failure = { err };
  }
  for (const outcome of batch.outcomes) {
    try {
      if (failure) outcome.onFailed(failure.err);
      else outcome.onSent?.();
    } catch {
      // One caller's callback must not keep the others from hearing.
    }
  }
}

/**
 * Queue one request's `events` in the open batch (or a new one); `outcome` hears once the batch is sent or failed.
 * `waitUntil` is the calling request's, given work only when this request opens or fills a batch.
 */
export function coalescedSend(
  queue: Queue,
  events: readonly TrackingEvent[],
  outcome: SendOutcome,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  if (events.length === 0) return;
  const sizes = events.map(jsonBytes);
  // Each event's share of a message: its JSON and the comma before it.
  const bytes = sizes.reduce((a, b) => a + b + 1, 0);
  let batch = open.get(queue);
  if (batch && batch.bytes + bytes > MAX_BATCH_BYTES) {
    waitUntil(send(queue, batch));
    batch = undefined;
  }
  if (!batch) {
    const opened: Batch = { events: [], sizes: [], outcomes: [], bytes: 0, sealed: false };
    open.set(queue, opened);
    waitUntil(new Promise((r) => setTimeout(r, SEND_WINDOW_MS)).then(() => send(queue, opened)));
    batch = opened;
  }
  batch.events.push(...events);
  batch.sizes.push(...sizes);
  batch.outcomes.push(outcome);
  batch.bytes += bytes;
}
