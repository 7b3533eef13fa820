// What happens to a campaign recipient: on redelivery of its task, and after an SES call that failed.

import { SesError } from "../ses/client";

/**
 * A task arriving for a recipient whose claim is in `state` (undefined: no row, a job from before claims).
 * `sent`, `rejected`, `suppressed` are settled and `unknown` waits for an operator: acknowledged, SES not called.
 * `sending` means a consumer claimed it and stopped before settling it (it died mid-call): whether SES took it
 * is unknown, so it becomes `unknown`, never sent again by itself.
 */
export function onArrival(state: string | undefined): "send" | "ack" | "mark_unknown" {
  // `paused`: held by the reputation guard and put back on the queue by a resume (or a second copy of its task).
  if (state === undefined || state === "queued" || state === "paused") return "send";
  if (state === "sending") return "mark_unknown";
  return "ack";
}

export type FailureVerdict =
  /** SES refused the message itself: sending it again would be refused again. */
  | { next: "rejected"; error: SesError }
  /** SES answered that it took nothing and a later try may pass (throttling, credentials an operator can fix). */
  | { next: "retry"; throttled: boolean }
  /** SES may have taken it: recorded, never sent again by itself. */
  | { next: "unknown"; reason: string };

export function judgeSendFailure(err: unknown): FailureVerdict {
  // Anything else was thrown somewhere between composing the request and reading the answer: no proof either way.
  if (!(err instanceof SesError) || err.outcomeUnknown) return { next: "unknown", reason: String(err instanceof Error ? err.message : err) };
  if (err.status === 429) return { next: "retry", throttled: true };
  if (err.status === 401 || err.status === 403) return { next: "retry", throttled: false };
  if (!err.retryable) return { next: "rejected", error: err };
  return { next: "unknown", reason: err.message };
}
