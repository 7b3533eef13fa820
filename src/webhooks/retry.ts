// When a webhook attempt counts as delivered, when it is tried again and after how long, and when it stops.
//
// Pure: the queue consumer feeds it what the endpoint answered and acts on the verdict.

/**
 * The delay after each failed attempt, in seconds: the Standard Webhooks specification's example schedule up to
 * about a day (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). Eight attempts, the last 27 h 35 min after the first.
 */
export const RETRY_DELAYS_S = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;
/** An endpoint whose every attempt failed for this long is disabled (the schedule above outlasts it). */
export const DISABLE_AFTER_MS = 24 * 3_600_000;
/** The specification recommends 15 to 30 s. */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/** Queues accept a delay of at most 12 hours; a longer wait is served in several hops (nextAttemptAt holds). */
export const MAX_QUEUE_DELAY_S = 43_200;

/** What one attempt got. */
export type AttemptResult =
  | { kind: "response"; status: number; retryAfterS: number | null }
  | { kind: "timeout" }
  | { kind: "network"; error: string };

export type Verdict =
  | { outcome: "delivered" }
  /** Try again no sooner than `delayS` seconds from now. */
  | { outcome: "retry"; delayS: number; error: string }
  /** No further attempt; `disableEndpoint` when the answer asks to stop sending altogether (410 Gone). */
  | { outcome: "failed"; error: string; disableEndpoint?: string };

/** A status worth another try: timeouts of the receiver's own (408), conflicts (409), rate limits (429), 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function describe(result: AttemptResult): string {
  if (result.kind === "timeout") return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  if (result.kind === "network") return result.error;
  return `HTTP ${result.status}`;
}

/**
 * Judge attempt number `attempt` (1 for the first). `autoRetry` false (a retry by hand) means this attempt is the
 * only one. A Retry-After longer than the schedule's next delay is honoured; a shorter one never hurries it.
 */
export function judge(result: AttemptResult, attempt: number, autoRetry: boolean): Verdict {
  const error = describe(result);
  if (result.kind === "response") {
    const { status } = result;
    if (status >= 200 && status < 300) return { outcome: "delivered" };
    if (status === 410) return { outcome: "failed", error, disableEndpoint: "the endpoint answered 410 Gone: it asked for no more webhooks" };
    // 3xx: redirects are not followed (the URL is what was checked at creation); update the endpoint's URL instead.
    if (!retryableStatus(status))
      return { outcome: "failed", error: status >= 300 && status < 400 ? `${error} (redirects are not followed)` : error };
  }
  if (!autoRetry) return { outcome: "failed", error };
  const scheduled = RETRY_DELAYS_S[attempt - 1];
  if (scheduled === undefined) return { outcome: "failed", error: `${error}; gave up after ${attempt} attempts` };
  const retryAfter = result.kind === "response" ? (result.retryAfterS ?? 0) : 0;
  return { outcome: "retry", delayS: Math.max(scheduled, retryAfter), error };
}

/** Retry-After as seconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

/** The queue delay to ask for to come back at `at` (ms): at most Queues' 12 hours; the row says when it is really due. */
export function queueDelaySeconds(at: number, now: number): number {
  return Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((at - now) / 1000)));
}
