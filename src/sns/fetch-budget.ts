// How many SNS signing certificates this isolate may download per minute, across every certificate URL.

/**
 * The default budget (SNS_CERTIFICATE_FETCHES_PER_MINUTE). An isolate needs one fetch per certificate SNS signs with
 * (one per region, two around a rotation); everything beyond that is unsigned junk naming new
 * `SimpleNotificationService-<hex>.pem` files, each of which would otherwise cost a fetch.
 */

const MINUTE_MS = 60_000;

/**
 * A sliding window of the last minute's fetch starts. Per isolate on purpose: a budget shared across isolates (a D1
 * row, a Durable Object) would put storage on /sns's request path, and a trickle of junk would spend it for every
 * isolate at once, so no new isolate could verify anything. Per isolate, junk spends only its own isolate's budget,
 * and a certificate an isolate holds keeps verifying whatever the budget says (only downloads take from it).
 */
export class FetchBudget {
  private readonly starts: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether one more download may start now (and count it if so). */
  take(perMinute: number): boolean {
    const now = this.now();
    while (this.starts.length > 0 && this.starts[0]! <= now - MINUTE_MS) this.starts.shift();
    if (this.starts.length >= perMinute) return false;
    this.starts.push(now);
    return true;
  }
}

/** The production budget: one per isolate. */
export const certificateFetchBudget = new FetchBudget();
