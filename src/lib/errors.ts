// Typed errors with a reason code; mapped to HTTP in one place (app.ts).

export type ErrorCode =
  | "bad_request"
  | "invalid_json"
  | "validation_failed"
  | "payload_too_large"
  | "misconfigured"
  | "unauthorized"
  | "not_found"
  | "forbidden"
  | "conflict"
  | "idempotency_key_in_use"
  | "idempotency_key_reused"
  | "suppressed"
  | "sending_paused"
  | "upstream_rejected"
  | "upstream_unavailable"
  | "outcome_unknown"
  | "unavailable"
  | "send_incomplete"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  payload_too_large: 413,
  misconfigured: 503,
  unauthorized: 401,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  idempotency_key_in_use: 409,
  idempotency_key_reused: 422,
  suppressed: 409,
  sending_paused: 409,
  upstream_rejected: 422,
  upstream_unavailable: 502,
  outcome_unknown: 502,
  unavailable: 503,
  send_incomplete: 503,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = STATUS[code];
  }
}

/** The JSON body every API error answers with: `{ error, message }`, plus any details. */
export function errorBody(err: AppError): Record<string, unknown> {
  return { error: err.code, message: err.message, ...err.details };
}

/**
 * A variable or secret that is malformed, or missing where it is needed: this deployment's to fix, so 503 with the
 * variable named. Thrown by src/config/config.ts, never for anything a caller sent.
 */
export class ConfigError extends AppError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super("misconfigured", message, { variable });
    this.name = "ConfigError";
  }
}

/** What to do about it, said by every answer and log line that meets a deployment without AWS keys. */
export const SENDING_NOT_CONFIGURED = "sending is not configured: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (wrangler secret put) to send";

/**
 * Sending (and the SES suppression mirror) needs AWS keys this deployment does not have: on purpose for a
 * tracking-only one, so 503 `unavailable` with a reason rather than a misconfiguration. Thrown before anything is
 * claimed or queued.
 */
export class SendingNotConfigured extends AppError {
  constructor() {
    super("unavailable", SENDING_NOT_CONFIGURED, { reason: "sending_not_configured", variables: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] });
    this.name = "SendingNotConfigured";
  }
}
