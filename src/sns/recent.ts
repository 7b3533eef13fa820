// SNS MessageIds this isolate has put on the queue lately: a redelivery that lands here again is answered at once.
//
// Only a shortcut: a redelivery this isolate has not seen (another isolate, or one evicted from here) is enqueued
// again, and storing and counting ignore it, since its event ids come from the MessageId (src/ses/events.ts).

/** About 1 MB of ids at most; SNS redelivers within the hour, and a busy isolate forgets its oldest first. */
export const MAX_REMEMBERED = 10_000;

/** Insertion order is age order: the first entry is the oldest. */
const enqueued = new Set<string>();

export function enqueuedRecently(messageId: string): boolean {
  return enqueued.has(messageId);
}

/** Called only once the enqueue succeeded: a failed one must leave the next delivery free to try again. */
export function rememberEnqueued(messageId: string): void {
  if (enqueued.size >= MAX_REMEMBERED) enqueued.delete(enqueued.values().next().value!);
  enqueued.add(messageId);
}

/** What a new isolate starts with: nothing remembered (tests use it to stand for one). */
export function forgetEnqueued(): void {
  enqueued.clear();
}
