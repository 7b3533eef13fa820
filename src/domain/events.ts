// The domain event: one thing that happened to one message for one recipient, as it travels the queue.

import * as v from "valibot";
import { checkWith, type Checked } from "./schemas";
import { fail } from "./result";

export const EVENT_TYPES = [
  "send",
  "delivery",
  "open",
  "click",
  "bounce",
  "complaint",
  "reject",
  "delivery_delay",
  "rendering_failure",
  "subscription",
  "unsubscribe",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface TrackingEvent {
  /** Fixed where the event is born (the edge, or derived from SNS/SES ids); storage is idempotent on it. */
  id: string;
  type: EventType;
  campaignId: string | null;
  /** The normalised address (see domain/email.ts); null when the event names no recipient. */
  contactId: string | null;
  /** The address as it was given or received. */
  email: string | null;
  sesMessageId: string | null;
  /** Milliseconds since the epoch. */
  occurredAt: number;
  link?: string | null;
  linkIndex?: number | null;
  userAgent?: string | null;
  /** The full client address (CF-Connecting-IP) while the event travels; storage may keep less of it. */
  ip?: string | null;
  /** Edge opens and clicks: what human-or-machine classification reads of the request besides agent and address. */
  request?: RequestSignals | null;
  /** Opens and clicks, decided by the events consumer: a machine (scanner, proxy prefetch…) or a person. */
  machine?: boolean | null;
  /** The stable reason code of that verdict (src/machine/classify.ts REASONS). */
  machineReason?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** Facts of the request that carried a pixel or click, kept for classification in the consumer. */
export interface RequestSignals {
  /** "GET", "HEAD", … */
  method: string;
  /** The Accept header. */
  accept: string | null;
  /** request.cf.asn: the network the request came from. */
  asn: number | null;
  /**
   * request.cf.country (ISO 3166-1 alpha-2, or Cloudflare's XX / T1): the audience breakdown's, never the stored
   * network's. Absent from messages queued before it was added.
   */
  country?: string | null;
}

/** What one queue message carries: the events born from one request or one SNS message. */
export interface EventEnvelope {
  v: 1;
  events: TrackingEvent[];
}

export function envelope(events: TrackingEvent[]): EventEnvelope {
  return { v: 1, events };
}

const text = v.nullish(v.string("must be text or null"), null);
const optionalText = v.optional(v.nullable(v.string("must be text or null")));

/** One event as the queue carries it: every field the storing code reads, of the type it binds to D1. */
const QueuedEvent = v.object({
  id: v.pipe(v.string("must be text"), v.minLength(1, "must not be empty"), v.maxLength(200, "must be at most 200 characters")),
  type: v.picklist(EVENT_TYPES, `must be one of ${EVENT_TYPES.join(", ")}`),
  campaignId: text,
  contactId: text,
  email: text,
  sesMessageId: text,
  occurredAt: v.pipe(v.number("must be epoch milliseconds"), v.finite("must be epoch milliseconds")),
  link: optionalText,
  linkIndex: v.optional(v.nullable(v.pipe(v.number("must be a whole number or null"), v.integer("must be a whole number or null")))),
  userAgent: optionalText,
  ip: optionalText,
  // Only the edge's opens and clicks carry it; a verdict is never taken from the queue (the consumer decides it).
  request: v.optional(
    v.nullable(
      v.object({
        method: v.pipe(v.string("must be text"), v.maxLength(32, "must be at most 32 characters")),
        accept: text,
        asn: v.nullish(v.pipe(v.number("must be a whole number or null"), v.integer("must be a whole number or null")), null),
        country: v.optional(v.nullable(v.pipe(v.string("must be text or null"), v.maxLength(8, "must be at most 8 characters")))),
      }),
    ),
  ),
  metadata: v.optional(v.nullable(v.record(v.string(), v.unknown(), "must be an object or null"))),
});

/** The events queue's message body, checked like an API body before anything is stored. */
export const EventEnvelopeSchema: v.GenericSchema<unknown, EventEnvelope> = v.object({
  v: v.literal(1, "must be 1"),
  events: v.array(QueuedEvent, "must be a list of events"),
});

/** An unknown queue body as an envelope, or why it is not one (a poison message, kept as a dead letter with that reason). */
export function readEnvelope(body: unknown): Checked<EventEnvelope> {
  const checked = checkWith(EventEnvelopeSchema, body);
  return checked.ok ? checked : fail(`not an event envelope: ${checked.reason}`);
}
