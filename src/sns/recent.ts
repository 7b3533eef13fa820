// SNS MessageIds this isolate has put on the queue lately: a redelivery that lands here again is answered at once.
//
// Only a shortcut: a redelivery this isolate has not seen (another isolate, or one evicted from here) is enqueued
// again, and storing and counting ignore it, since its event ids come from the MessageId (src/ses/events.ts).

import { BoundedMap } from "../lib/bounded-map";

/** About 1 MB of ids at most; SNS redelivers within the hour, and a busy isolate forgets its oldest first. */
export const MAX_REMEMBERED = 10_000;

const enqueued = new BoundedMap<string, true>(MAX_REMEMBERED);

export function enqueuedRecently(messageId: string): boolean {
  return enqueued.has(messageId);
}

/** Called only once the enqueue succeeded: a failed one must leave the next delivery free to try again. */
export function rememberEnqueued(messageId: string): void {
  enqueued.set(messageId, true);
}

/** What a new isolate starts with: nothing remembered (tests use it to stand for one). */
export function forgetEnqueued(): void {
  enqueued.clear();
}
