// Which counters an event moves: the counting rules of a campaign, as plain functions over plain data.

import { COUNTERS, type Counter } from "../domain/api-contract";
import type { EventType, TrackingEvent } from "../domain/events";
import type { ClickWindowEntry } from "../machine/window";
import { audienceOf, type AudienceFacts } from "./audience-facts";

/**
 * What the counters need of an event, and nothing more: small enough to send over RPC in bulk,
 * and buildable both from a queue event and from a D1 row (for a rebuild).
 */
export interface CountedEvent {
  id: string;
  type: EventType;
  contactId: string | null;
  occurredAt: number;
  link: string | null;
  linkIndex: number | null;
  /** SES's bounceType: "Permanent" is a hard bounce; "Transient" and "Undetermined" are soft. */
  bounceType: string | null;
  /** "ses" when SES reported it (SES's own open and click tracking); absent for our pixel and redirects. */
  source: string | null;
  /** Opens and clicks made by machines, not people (the consumer's classification). */
  machine: boolean;
  /** The verdict's reason code, counted per reason for machines; null when the event has none. */
  machineReason: string | null;
  /** A click whose verdict its ±10 s window may still change (src/stats/click-window.ts); absent otherwise. */
  window?: ClickWindowEntry | null;
  /** An SES Subscription event that unsubscribed the contact from everything (as the suppression rules read it). */
  unsubscribeAll: boolean;
  /** A person's open or click: its client or browser, device, OS and country (src/stats/audience-counts.ts). */
  audience?: AudienceFacts | null;
  /** The recipient's mailbox provider (src/stats/mailbox-resolver.ts): its counts move with the campaign's. */
  provider?: string | null;
}

/** Every counter a campaign keeps; the timeline has one value of each per hour. */
// The counter names are the timeline's contract too (every point carries each): they live with the API's schemas.
export { COUNTERS };

export type { Counter };
export type Counts = Record<Counter, number>;

export function zeroCounts(): Counts {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts;
}

/** What one event does: one counter up, maybe a first-time-per-contact counter, maybe a link. */
export interface Effect {
  counter: Counter;
  /** Counted once per contact: the hour of the contact's earliest such event holds it in the timeline. */
  unique?: Counter;
  /** A click on a known link: counted per link too. */
  perLink?: boolean;
}

function asString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function countedEvent(e: TrackingEvent & { clickWindow?: ClickWindowEntry | null; provider?: string | null }): CountedEvent {
  const meta = e.metadata ?? {};
  return {
    id: e.id,
    type: e.type,
    contactId: e.contactId,
    occurredAt: e.occurredAt,
    link: e.link ?? null,
    linkIndex: e.linkIndex ?? null,
    bounceType: asString(meta.bounceType),
    source: asString(meta.source),
    machine: e.machine === true,
    machineReason: e.machineReason ?? null,
    window: e.clickWindow ?? null,
    unsubscribeAll: meta.unsubscribeAll === true,
    audience: audienceOf({ ...e, source: asString(meta.source), userAgent: e.userAgent ?? null, country: e.request?.country ?? null }),
    provider: e.provider ?? null,
  };
}

/**
 * Opens and clicks are counted from this deployment's pixel and redirects. SES's own Open and Click
 * events (source "ses") describe the same reads when SES tracking is also on, so they are kept apart
 * (opensSes, clicksSes) instead of being added twice; machine opens and clicks are kept apart too.
 */
export function effectOf(e: CountedEvent): Effect | null {
  switch (e.type) {
    case "send":
      return { counter: "sent" };
    case "delivery":
      return { counter: "delivered" };
    case "reject":
      return { counter: "rejected" };
    case "bounce":
      return { counter: e.bounceType === "Permanent" ? "bouncesHard" : "bouncesSoft" };
    case "complaint":
      return { counter: "complaints" };
    case "delivery_delay":
      return { counter: "deliveryDelays" };
    case "rendering_failure":
      return { counter: "renderingFailures" };
    case "subscription":
      // Unsubscribing through SES's list management is an unsubscribe too; per contact, so never twice.
      return { counter: "subscriptionChanges", unique: e.unsubscribeAll ? "unsubscribes" : undefined };
    case "unsubscribe":
      return { counter: "unsubscribeEvents", unique: "unsubscribes" };
    case "open":
      if (e.source === "ses") return { counter: "opensSes" };
      return e.machine ? { counter: "opensMachine" } : { counter: "opens", unique: "opensUnique" };
    case "click":
      if (e.source === "ses") return { counter: "clicksSes" };
      return { counter: e.machine ? "clicksMachine" : "clicks", unique: e.machine ? undefined : "clicksUnique", perLink: true };
    default:
      return null;
  }
}

export const HOUR_MS = 3_600_000;

/** Hours since the epoch (UTC): the timeline's smallest bucket. */
export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** A link as the per-link table keys it: its index in the email (-1 when unknown) and its URL ("" when unknown). */
export function linkKey(e: CountedEvent): { linkIndex: number; url: string } | null {
  if (e.link === null && e.linkIndex === null) return null;
  return { linkIndex: e.linkIndex ?? -1, url: e.link ?? "" };
}
