// Event ids this isolate has already put on the queue in their repeat window: a replayed URL costs one queue write.

import { BoundedMap } from "../lib/bounded-map";

const MAX_REMEMBERED = 10_000;

/** id → the end of its repeat window (ms). */
const enqueued = new BoundedMap<string, number>(MAX_REMEMBERED);

/** Whether this isolate enqueued the id and its window has not ended: sending it again would change nothing. */
export function enqueuedRecently(id: string, now: number): boolean {
  const until = enqueued.get(id);
  return until !== undefined && until > now;
}

/** Called once the enqueue succeeded (a failed one must not stop the next request from trying). Bounded memory. */
export function rememberEnqueued(id: string, until: number, now = Date.now()): void {
  // Ended windows go first; a map still full forgets its oldest entry.
  if (enqueued.size >= MAX_REMEMBERED) for (const [key, end] of enqueued) if (end <= now) enqueued.delete(key);
  enqueued.set(id, until);
}
