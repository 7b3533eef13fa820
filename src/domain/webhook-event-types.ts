// The webhook event types: one per stored event type (`email.<type>`), and the reputation guard's pauses.

import { EVENT_TYPES, type EventType } from "./events";

/** Full-stop delimited, grouped as the Standard Webhooks specification recommends ("email.bounce"). */
export const EMAIL_EVENT_TYPES = EVENT_TYPES.map((t) => `email.${t}` as const);
export const GUARD_EVENT_TYPES = ["campaign.paused", "account.paused"] as const;
export const WEBHOOK_EVENT_TYPES = [...EMAIL_EVENT_TYPES, ...GUARD_EVENT_TYPES] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function emailEventType(type: EventType): WebhookEventType {
  return `email.${type}`;
}
