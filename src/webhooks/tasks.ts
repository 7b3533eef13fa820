// What travels the webhooks queue (one endpoint, one event), which endpoints an event goes to, and delivery ids.

import { encodeBase64Url } from "../lib/base64url";
import * as v from "valibot";
import { CampaignId, checkWith, type Checked } from "../domain/schemas";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../domain/webhook-event-types";
import type { EndpointFilter } from "../db/webhook-endpoints";
import { fail } from "../domain/result";

/** An event to forward: a stored event (its body is read from D1) or a guard notice (its body travels along). */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  campaignId: string | null;
  at: number;
  /** A notice's data; absent for stored events, whose payload is the row as the API shows it. */
  data?: unknown;
}

export interface WebhookTask {
  v: 1;
  endpointId: string;
  event: WebhookEvent;
}

/** A webhooks queue message: an endpoint id as the API hands them out, and an event of a known type. */
const WebhookTaskSchema: v.GenericSchema<unknown, WebhookTask> = v.object({
  v: v.literal(1, "must be 1"),
  endpointId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an endpoint id")),
  event: v.object({
    id: v.pipe(v.string(), v.minLength(1, "must be an event id"), v.maxLength(200, "must be an event id")),
    type: v.picklist(WEBHOOK_EVENT_TYPES, "must be a webhook event type"),
    campaignId: v.nullable(CampaignId),
    at: v.pipe(v.number("must be epoch milliseconds"), v.finite("must be epoch milliseconds")),
    data: v.optional(v.unknown()),
  }),
});

/** An unknown queue body as a webhook task, or why it is not one (kept as a dead letter with that reason). */
export function readWebhookTask(body: unknown): Checked<WebhookTask> {
  const checked = checkWith(WebhookTaskSchema, body);
  return checked.ok ? checked : fail(`not a webhook task: ${checked.reason}`);
}

/**
 * An endpoint takes an event when it lists the event's type (or lists none) and names the event's campaign (or
 * none). Account-wide events have no campaign, so only endpoints without a campaign filter take them.
 */
export function matches(endpoint: EndpointFilter, event: Pick<WebhookEvent, "type" | "campaignId">): boolean {
  if (endpoint.eventTypes !== null && !endpoint.eventTypes.includes(event.type)) return false;
  return endpoint.campaignId === null || endpoint.campaignId === event.campaignId;
}

/** One task per endpoint and matching event, in the events' order. */
export function tasksFor(endpoints: readonly EndpointFilter[], events: readonly WebhookEvent[]): WebhookTask[] {
  return events.flatMap((event) => endpoints.filter((e) => matches(e, event)).map((e) => ({ v: 1 as const, endpointId: e.id, event })));
}

const utf8 = new TextEncoder();

/**
 * The `webhook-id` of an event's delivery to an endpoint: derived from both, so every copy of a task (a replayed
 * events batch enqueues it again) lands on one delivery row and the receiver sees one id, on every attempt.
 */
export async function deliveryId(endpointId: string, eventId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(`${endpointId}\n${eventId}`));
  return `msg_${encodeBase64Url(new Uint8Array(digest, 0, 16))}`;
}

export function newEndpointId(): string {
  return `ep_${encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)))}`;
}
