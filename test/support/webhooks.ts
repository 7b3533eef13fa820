// Webhook test helpers: the local receiver (scripting and reading it), endpoints through the API, direct consumer runs.
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";
import { WEBHOOK_QUEUE } from "../../src/config/queues";
import type { Clock } from "../../src/lib/clock";
import { consumeWebhooks } from "../../src/queues/webhooks";
import type { WebhookTask } from "../../src/webhooks/tasks";
import { envelope } from "../../src/domain/events";
import { api, sampleEvent } from "./helpers";

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  /** Indexes of the scripted secrets that standardwebhooks' Webhook.verify accepted (in Node, against real time). */
  verifiedBy: number[];
}

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

export function hookUrl(name: string): string {
  return `${env.WEBHOOK_RECEIVER}/hooks/${encodeURIComponent(name)}`;
}

/** What the receiver answers next for `name` (then 200), and the secrets it verifies signatures with. */
export async function scriptHook(name: string, script: { responses?: Scripted[]; secrets?: string[] }): Promise<void> {
  const res = await fetch(`${env.WEBHOOK_RECEIVER}/control/${encodeURIComponent(name)}`, { method: "PUT", body: JSON.stringify(script) });
  if (!res.ok) throw new Error(`receiver control answered ${res.status}`);
}

export async function receivedBy(name: string): Promise<Received[]> {
  const res = await fetch(`${env.WEBHOOK_RECEIVER}/control/${encodeURIComponent(name)}`);
  return ((await res.json()) as { received: Received[] }).received;
}

export async function waitForHooks(name: string, count: number, timeout = 30_000): Promise<Received[]> {
  return vi.waitUntil(
    async () => {
      const got = await receivedBy(name);
      return got.length >= count ? got : false;
    },
    { timeout, interval: 100 },
  );
}

/**
 * The signature check without the replay window: the request's signature for its own timestamp, as
 * standardwebhooks computes it with `secret`, is among those in `webhook-signature`. For requests made at a
 * virtual time, which Webhook.verify would refuse as too old or too new.
 */
export function signedWith(secret: string, r: Received): boolean {
  const expected = new Webhook(secret).sign(r.headers["webhook-id"]!, new Date(Number(r.headers["webhook-timestamp"]) * 1000), r.body);
  return (r.headers["webhook-signature"] ?? "").split(" ").includes(expected);
}

export interface CreatedEndpoint {
  id: string;
  secret: string;
  url: string;
  enabled: boolean;
}

/** Proof that the webhooks queue has drained: a task for a sentinel endpoint, seen by the receiver (the local
 * queues deliver in order, a batch at a time, so what was enqueued before it has been delivered by then). */
export async function drainHooks(): Promise<void> {
  const hook = `sentinel-${crypto.randomUUID()}`;
  const campaignId = `sentinel-${crypto.randomUUID().slice(0, 8)}`;
  await createEndpoint({ url: hookUrl(hook), campaignId });
  await env.EVENTS.send(envelope([sampleEvent({ campaignId, type: "open", occurredAt: Date.now() })]), { contentType: "json" });
  await waitForHooks(hook, 1);
}

export async function createEndpoint(body: Record<string, unknown>): Promise<CreatedEndpoint> {
  const res = await api("/webhooks", { method: "POST", json: body });
  if (res.status !== 201) throw new Error(`creating a webhook endpoint answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as CreatedEndpoint;
}

/** Virtual time: the consumer's clock, moved by the test (nothing sleeps). Starts at the real now. */
export function virtualClock(): Clock & { time: number } {
  const clock = { time: Date.now(), now: () => clock.time, sleep: async (ms: number) => void (clock.time += ms) };
  return clock;
}

export function taskMessages(tasks: readonly WebhookTask[], attempts = 1): MessageBatchMessage[] {
  return tasks.map((body, i) => ({ id: `hook-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts, body }));
}

/** Run the webhooks consumer once on these messages; each retried message comes back with the delay it asked for. */
export async function consumeHooks(messages: MessageBatchMessage[], clock: Clock, bindings: Env = env) {
  const batch = createMessageBatch(WEBHOOK_QUEUE, messages);
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (options?: QueueRetryOptions) => {
      delays.set(m.id, options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await consumeWebhooks(batch, bindings, clock);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((m) => ({ id: m.msgId, delaySeconds: delays.get(m.msgId) })) };
}

export interface DeliveryJson {
  id: string;
  eventId: string;
  type: string;
  state: string;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  attempts: Array<{ n: number; outcome: string; status: number | null; latencyMs: number | null; error: string | null }>;
}

export async function deliveriesOf(endpointId: string, query = ""): Promise<DeliveryJson[]> {
  const res = await api(`/webhooks/${endpointId}/deliveries${query}`);
  if (!res.ok) throw new Error(`deliveries answered ${res.status}`);
  return ((await res.json()) as { items: DeliveryJson[] }).items;
}
