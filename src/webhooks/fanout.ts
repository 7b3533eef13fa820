// Fan-out from the events consumer: the matching endpoints of a batch's events, put on the webhooks queue.
//
// The consumer only enqueues here (nothing is POSTed on its path): one endpoint lookup per batch, cached briefly
// in the isolate, and one sendBatch per 100 tasks. A failed sendBatch fails the events message, which is retried
// whole: storing and counting skip what they already did, and tasks enqueued twice land on one delivery row.

import { chunk } from "../lib/chunk";
import { database } from "../db/client";
import { enabledEndpointFilters } from "../db/webhook-endpoints";
import type { TrackingEvent } from "../domain/events";
import { emailEventType } from "../domain/webhook-event-types";
import { tasksFor, type WebhookEvent } from "./tasks";
import type { EndpointFilter } from "../db/webhook-endpoints";

/** How long an isolate trusts its list of endpoints: a new or changed endpoint takes effect within this. */
export const ENDPOINT_CACHE_MS = 10_000;
/** sendBatch takes at most 100 messages (and 256 KB: a task is well under 1 KB, a notice under 2 KB). */
const TASKS_PER_SEND = 100;

let cached: { until: number; endpoints: Promise<EndpointFilter[]> } | null = null;

/** Forget the cached endpoints: the API calls it after a change, so this isolate sees it at once. */
export function forgetEndpoints(): void {
  cached = null;
}

function endpointsFor(env: Pick<Env, "DB">, now: number): Promise<EndpointFilter[]> {
  if (!cached || cached.until <= now) {
    const endpoints = enabledEndpointFilters(database(env.DB));
    cached = { until: now + ENDPOINT_CACHE_MS, endpoints };
    // A failed lookup is not kept: the next batch asks D1 again.
    endpoints.catch(() => {
      if (cached?.endpoints === endpoints) cached = null;
    });
  }
  return cached.endpoints;
}

export function trackingWebhookEvent(e: TrackingEvent): WebhookEvent {
  return { id: e.id, type: emailEventType(e.type), campaignId: e.campaignId, at: e.occurredAt };
}

/** Enqueue a task per matching endpoint and event; resolves to how many were enqueued. */
export async function enqueueWebhooks(env: Pick<Env, "DB" | "WEBHOOK_QUEUE">, events: readonly WebhookEvent[], now = Date.now()): Promise<number> {
  if (events.length === 0) return 0;
  const endpoints = await endpointsFor(env, now);
  if (endpoints.length === 0) return 0;
  const tasks = tasksFor(endpoints, events);
  for (const part of chunk(tasks, TASKS_PER_SEND)) {
    await env.WEBHOOK_QUEUE.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
  }
  return tasks.length;
}
