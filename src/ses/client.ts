// The SES v2 HTTP API, signed with aws4fetch: typed errors that say whether SES may have acted, bounded retries.

import { AwsClient } from "aws4fetch";
import type { SesSettings } from "../config/config";
import { SendingNotConfigured } from "../lib/errors";
import { BoundedMap } from "../lib/bounded-map";

export interface SesConfig {
  region: string;
  /** scheme://host[:port] of the SES v2 API; the regional AWS endpoint unless overridden (local emulator). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * A call to SES that did not succeed. `retryable` says whether trying again later may help; `outcomeUnknown`
 * whether SES may nevertheless have acted on it (a lost answer, a 5xx, a success without the data it owes):
 * such a call must not be repeated unless the operation is idempotent.
 */
export class SesError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly retryable: boolean,
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.name = "SesError";
  }
}

/**
 * How to reach SES with this deployment's settings. Without AWS credentials nothing can call SES: a tracking-only
 * deployment, answered 503 with reason `sending_not_configured` (callers check it before claiming anything).
 */
export function sesConfig({ region, endpoint, credentials }: SesSettings): SesConfig {
  if (!credentials) throw new SendingNotConfigured();
  return { region, endpoint, ...credentials };
}

/** Refuses, before anything is claimed or queued, a send this deployment could never hand to SES. */
export function requireSending(ses: SesSettings): void {
  sesConfig(ses);
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** How long one call may take before its outcome is given up as unknown. */
export const SES_TIMEOUT_MS = 30_000;

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 200,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

// One signer per credential set per isolate: aws4fetch caches derived signing keys inside it.
const clients = new BoundedMap<string, AwsClient>(8);

function clientFor(config: SesConfig): AwsClient {
  const cacheKey = `${config.accessKeyId}\n${config.secretAccessKey}\n${config.sessionToken ?? ""}\n${config.region}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      sessionToken: config.sessionToken,
      service: "ses",
      region: config.region,
      // Retries are ours (below), so that they are bounded, observable and testable.
      retries: 0,
    });
    clients.set(cacheKey, client);
  }
  return client;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** RFC 9110 §9.2.2: repeating these has the effect of doing it once, so an unknown outcome may be retried. */
function isIdempotent(method: string): boolean {
  return method !== "POST";
}

/**
 * A fetch that threw. workerd reports a refused connection and a connection dropped after the request was
 * written with the same error ("Network connection lost.", `{ remote: true, retryable: true }`, observed with
 * a closed port and with a server that read the request and closed the socket), a DNS failure as an opaque
 * "internal error", and a timeout as an abort. None of them proves the request never reached SES, so every
 * one is an unknown outcome; callers that must not act twice stop calling SES instead (see sending/consumer.ts).
 */
function networkError(err: unknown): SesError {
  const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
  return timedOut
    ? new SesError(0, "Timeout", `SES did not answer within ${SES_TIMEOUT_MS} ms`, true, true)
    : new SesError(0, "NetworkError", `SES could not be reached or its answer was lost: ${String(err)}`, true, true);
}

async function errorFrom(res: Response): Promise<SesError> {
  const text = await res.text().catch(() => "");
  let type = res.headers.get("x-amzn-errortype")?.split(":")[0] ?? "";
  let message = text.slice(0, 500) || res.statusText || `HTTP ${res.status}`;
  try {
    const body = JSON.parse(text) as { message?: string; Message?: string; __type?: string; code?: string };
    message = body.message ?? body.Message ?? message;
    type = type || body.__type || body.code || "";
  } catch {
    // not JSON: keep the text
  }
  // Any 4xx is SES saying it did not act; a 5xx may come from a server that failed after it had.
  return new SesError(res.status, type || `HTTP${res.status}`, message, isRetryableStatus(res.status), res.status >= 500);
}

/** A 2xx whose body is lost or garbled is still a call SES may have acted on. */
async function successBody<T>(res: Response): Promise<T> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw networkError(err);
  }
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new SesError(res.status, "MalformedResponse", "SES answered with a body that is not JSON", true, true);
  }
}

/**
 * Call an SES v2 operation (`path` like "/v2/email/outbound-emails"), retried with exponential backoff and
 * jitter at most `policy.retries` times when retrying may help and cannot act twice: throttling (429) always,
 * 5xx and network failures only for idempotent methods. A POST (SendEmail) whose outcome is unknown throws
 * at once with `outcomeUnknown` set.
 */
export async function sesRequest<T>(
  config: SesConfig,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const client = clientFor(config);
  let last: SesError | undefined;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) {
      const delay = policy.baseDelayMs * 2 ** (attempt - 1);
      await policy.sleep(delay / 2 + Math.random() * (delay / 2));
    }
    try {
      const res = await client.fetch(config.endpoint + path, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(SES_TIMEOUT_MS),
      });
      if (res.ok) return await successBody<T>(res);
      last = await errorFrom(res);
    } catch (err) {
      last = err instanceof SesError ? err : networkError(err);
    }
    if (!last.retryable || (last.outcomeUnknown && !isIdempotent(method))) throw last;
  }
  throw last!;
}
