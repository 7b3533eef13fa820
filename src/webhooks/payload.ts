// What a webhook carries: `{ type, timestamp, data }`, data being the stored event exactly as the API shows it.

import { eventJson, type EventRecord } from "../db/contact-events";
import { emailEventType, type WebhookEventType } from "../domain/webhook-event-types";

export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened (each attempt's own time is the webhook-timestamp header). */
  timestamp: string;
  data: unknown;
}

export function eventPayload(row: EventRecord): WebhookPayload {
  return {
    type: emailEventType(row.type as Parameters<typeof emailEventType>[0]),
    timestamp: new Date(row.occurredAt).toISOString(),
    data: eventJson(row),
  };
}

export function noticePayload(type: WebhookEventType, occurredAt: number, data: unknown): WebhookPayload {
  return { type, timestamp: new Date(occurredAt).toISOString(), data };
}
