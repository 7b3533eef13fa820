// The domain event: one thing that happened to one message for one recipient, as it travels the queue.

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
}

/** What one queue message carries: the events born from one request or one SNS message. */
export interface EventEnvelope {
  v: 1;
  events: TrackingEvent[];
}

export function envelope(events: TrackingEvent[]): EventEnvelope {
  return { v: 1, events };
}

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Narrow an unknown queue body to an envelope; null when it is not one (a poison message). */
export function parseEnvelope(body: unknown): EventEnvelope | null {
  if (typeof body !== "object" || body === null) return null;
  const { v, events } = body as { v?: unknown; events?: unknown };
  if (v !== 1 || !Array.isArray(events)) return null;
  for (const e of events) {
    if (typeof e !== "object" || e === null) return null;
    const ev = e as Partial<TrackingEvent>;
    if (typeof ev.id !== "string" || ev.id.length === 0 || ev.id.length > 200) return null;
    if (typeof ev.type !== "string" || !TYPE_SET.has(ev.type)) return null;
    if (typeof ev.occurredAt !== "number" || !Number.isFinite(ev.occurredAt)) return null;
  }
  return body as EventEnvelope;
}
