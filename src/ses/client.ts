// The SES v2 HTTP API, signed with aws4fetch: bounded retries for throttling and 5xx, typed errors otherwise.

import { AwsClient } from "aws4fetch";
import { config } from "../config";
import { ConfigError } from "../errors";

export interface SesConfig {
  region: string;
  /** scheme://host[:port] of the SES v2 API; the regional AWS endpoint unless overridden (local emulator). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class SesConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SesConfigError";
  }
}

/** An answer from SES that is not a success. `retryable` says whether trying again later may help. */
export class SesError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "SesError";
  }
}

/** How to reach SES from this env's configuration; without AWS credentials nothing can call SES (503, naming them). */
export function sesConfig(env: object): SesConfig {
  const { region, endpoint, credentials } = config(env).ses;
  if (!credentials) throw new ConfigError("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set to call SES");
  return { region, endpoint, ...credentials };
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 200,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

// One signer per credential set per isolate: aws4fetch caches derived signing keys inside it.
const clients = new Map<string, AwsClient>();

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
  return new SesError(res.status, type || `HTTP${res.status}`, message, isRetryableStatus(res.status));
}

/**
 * Call an SES v2 operation (`path` like "/v2/email/outbound-emails"). Throttling (429), 5xx and network
 * failures are retried with exponential backoff and jitter, at most `policy.retries` times.
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
    let res: Response;
    try {
      res = await client.fetch(config.endpoint + path, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      last = new SesError(0, "NetworkError", `SES could not be reached: ${String(err)}`, true);
      continue;
    }
    if (res.ok) {
      const text = await res.text();
      return (text ? JSON.parse(text) : {}) as T;
    }
    last = await errorFrom(res);
    if (!last.retryable) throw last;
  }
  throw last!;
}
