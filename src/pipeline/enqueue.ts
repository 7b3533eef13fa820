// Putting events on the events queue: awaited where the caller can still answer 5xx, in the background at the edge.

import { envelope, type TrackingEvent } from "../domain/events";
import { log } from "../log";

export async function enqueueEvents(queue: Queue, events: TrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await queue.send(envelope(events), { contentType: "json" });
}

/**
 * The edge answers first and stores later: the send runs after the response inside waitUntil.
 * A failed send is logged, never surfaced: the recipient still gets the GIF or the redirect.
 */
/** Only waitUntil is needed, so Hono's and the runtime's context types both fit. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export function enqueueInBackground(ctx: WaitUntil, queue: Queue, events: TrackingEvent[]): void {
  ctx.waitUntil(
    enqueueEvents(queue, events).catch((err: unknown) => {
      log.error("event enqueue failed", { ids: events.map((e) => e.id), error: String(err) });
    }),
  );
}
