// How a failed SES call answers over HTTP: used by the error handler and by routes that record their answer.

import { AppError } from "../lib/errors";
import type { SesError } from "./client";

/**
 * A message SES refuses (MessageRejected, unverified sender, bad address…) is the caller's to fix, 422 with SES's
 * reason; throttling that outlasted our retries is 503; an unknown outcome (5xx, lost answer, no MessageId) is
 * 502 `outcome_unknown`, since repeating it could send a second copy; other failures SES answered are 502; refused
 * credentials are this deployment's to fix, 503 (missing ones are SendingNotConfigured before any call).
 */
export function appErrorFromSes(err: SesError): AppError {
  const details = { reason: err.message, sesError: err.type };
  if (err.outcomeUnknown) {
    return new AppError(
      "outcome_unknown",
      "SES may or may not have accepted the message, so it was not sent again; repeating with the same Idempotency-Key answers this again and sends nothing",
      details,
    );
  }
  if (err.status === 401 || err.status === 403) return new AppError("unavailable", "SES refused this deployment's credentials", details);
  if (!err.retryable) return new AppError("upstream_rejected", `SES rejected the message: ${err.message}`, details);
  if (err.status === 429) return new AppError("unavailable", "SES is throttling sends; try again later", details);
  return new AppError("upstream_unavailable", "SES could not be reached or failed; try again", details);
}
