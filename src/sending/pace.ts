// Spacing sends so that no more than `ratePerSecond` start in any second, with an injectable clock.

import type { Clock } from "../lib/clock";

// The clock moved to src/lib/clock.ts; the send consumer still takes it from here until its own change lands.

/**
 * Slot i starts no earlier than start + i / rate. `finish()` waits out the last slot's interval, so a following
 * batch (the send consumer runs one batch at a time) cannot start its first send too early either.
 */
export function createPacer(ratePerSecond: number, clock: Clock) {
  const interval = 1000 / ratePerSecond;
  const start = clock.now();
  let slots = 0;
  const waitFor = async (at: number) => {
    const wait = at - clock.now();
    if (wait > 0) await clock.sleep(wait);
  };
  return {
    /** Resolves when the next send may start. */
    next: () => waitFor(start + slots++ * interval),
    finish: () => (slots === 0 ? Promise.resolve() : waitFor(start + slots * interval)),
  };
}
