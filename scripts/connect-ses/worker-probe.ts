// Before subscribing: is the worker at --url up, and would it take this topic's messages (its SNS_TOPIC_ARNS)?

import type { ConfirmationWait } from "./subscription";

export type WorkerState =
  | { kind: "ready" }
  | { kind: "unreachable"; detail: string }
  | { kind: "refuses-topic" }
  | { kind: "unexpected"; detail: string };

const TIMEOUT_MS = 10_000;

/**
 * GET /healthz, then POST /sns an unsigned SubscriptionConfirmation for the topic. The worker checks the topic
 * against SNS_TOPIC_ARNS before anything else (src/routes/sns.ts): 403 `topic_not_allowed` means it would refuse
 * the real confirmation; any other refusal is the missing signature, i.e. the topic passed. Nothing is stored.
 */
export async function probeWorker(fetcher: typeof fetch, origin: string, topicArn: string): Promise<WorkerState> {
  let health: Response;
  try {
    health = await fetcher(`${origin}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "manual" });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { kind: "unreachable", detail: `${origin}/healthz could not be reached (${cause ?? String(err)})` };
  }
  await health.body?.cancel();
  if (health.status !== 200) {
    return { kind: "unexpected", detail: `${origin}/healthz answered ${health.status}, not 200: is ${origin} the mail-tracker worker?` };
  }

  let probe: Response;
  try {
    probe = await fetcher(`${origin}/sns`, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-topic-arn": topicArn },
      body: JSON.stringify({ Type: "SubscriptionConfirmation", TopicArn: topicArn, MessageId: "connect-ses-probe" }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "manual",
    });
  } catch (err) {
    return { kind: "unreachable", detail: `${origin}/sns could not be reached (${String(err)})` };
  }
  const text = await probe.text();
  let reason: unknown;
  try {
    reason = (JSON.parse(text) as { reason?: unknown }).reason;
  } catch {
    // not the worker's JSON error
  }
  if (probe.status === 403 && reason === "topic_not_allowed") return { kind: "refuses-topic" };
  if (probe.status === 400 || probe.status === 403) return { kind: "ready" };
  return { kind: "unexpected", detail: `${origin}/sns answered ${probe.status} to a test message: is ${origin} the mail-tracker worker?` };
}

/**
 * Probes until the worker takes the topic (a new deployment reaches every location within seconds), or the time is up.
 * Returns the last state and how long it took.
 */
export async function waitForTopic(
  fetcher: typeof fetch,
  origin: string,
  topicArn: string,
  clock: ConfirmationWait,
): Promise<{ state: WorkerState; elapsedMs: number }> {
  const started = clock.now();
  const deadline = started + clock.timeoutMs;
  for (;;) {
    const state = await probeWorker(fetcher, origin, topicArn);
    const left = deadline - clock.now();
    if (state.kind === "ready" || left <= 0) return { state, elapsedMs: clock.now() - started };
    await clock.sleep(Math.min(clock.intervalMs, left));
  }
}
