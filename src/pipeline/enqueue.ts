// Putting events on the events queue: awaited where the caller can still answer 5xx, in the background at the edge.

import { envelope, type TrackingEvent } from "../domain/events";
import { errorFields, log } from "../lib/log";
import { coalescedSend } from "./send-coalescer";

export async function enqueueEvents(queue: Queue, events: TrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await queue.send(envelope(events), { contentType: "json" });
}

/** Only waitUntil is needed, so Hono's and the runtime's context types both fit. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The edge answers first and stores later: the send runs after the response inside waitUntil, gathered with the
 * other requests of the same few milliseconds into one sendBatch of as few messages as fit (./send-coalescer.ts).
 * A failed send is logged, never surfaced: the recipient still gets the GIF or the redirect.
 */
export function enqueueInBackground(ctx: WaitUntil, queue: Queue, events: TrackingEvent[], onSent?: () => void): void {
  if (events.length === 0) return;
  const onFailed = (err: unknown) => log.error("event enqueue failed", { ids: events.map((e) => e.id), ...errorFields(err) });
  coalescedSend(queue, events, { onSent, onFailed }, (promise) => ctx.waitUntil(promise));
}
