// One webhook attempt over HTTP: a signed POST with a timeout, redirects not followed, the answer's body not read.

import { ATTEMPT_TIMEOUT_MS, parseRetryAfter, type AttemptResult } from "./retry";

const USER_AGENT = "mail-tracker-webhooks/1 (Standard Webhooks)";

export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  now: number,
): Promise<{ result: AttemptResult; latencyMs: number }> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": USER_AGENT },
      body,
      // A redirect could lead anywhere, including where the URL check at creation would have refused to go.
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    // Only the status matters; the body is not read (its size is the receiver's to choose).
    await res.body?.cancel();
    return {
      result: { kind: "response", status: res.status, retryAfterS: parseRetryAfter(res.headers.get("retry-after"), now) },
      latencyMs: latency(),
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { result: timedOut ? { kind: "timeout" } : { kind: "network", error: String(err).slice(0, 500) }, latencyMs: latency() };
  }
}
