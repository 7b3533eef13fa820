// Suppression rules as plain decisions over a batch of events: which addresses to suppress, and why.

import { normalizeEmail } from "./email";
import type { TrackingEvent } from "./events";
import { identityKey } from "./identity";
import type { SuppressionReason } from "./suppression";

/** Suppress at once and for good (hard bounce, complaint, unsubscribe). */
export interface PermanentDecision {
  kind: "permanent";
  email: string;
  reason: Exclude<SuppressionReason, "soft_bounce" | "manual" | "sunset">;
  at: number;
  eventId: string;
}

/** A soft bounce: suppress if the address's current streak of soft bounces has reached the limit. */
export interface SoftBounceDecision {
  kind: "soft_bounce";
  email: string;
  at: number;
  eventId: string;
}

/** A delivery: the streak is broken, and a soft-bounce suppression older than it no longer holds. */
export interface DeliveryDecision {
  kind: "delivery";
  email: string;
  at: number;
  eventId: string;
}

export type Decision = PermanentDecision | SoftBounceDecision | DeliveryDecision;

export function bounceType(e: TrackingEvent): string | undefined {
  const value = e.metadata?.bounceType;
  return typeof value === "string" ? value : undefined;
}

function permanentReason(e: TrackingEvent): PermanentDecision["reason"] | null {
  if (e.type === "bounce" && bounceType(e) === "Permanent") return "hard_bounce";
  if (e.type === "complaint") return "complaint";
  if (e.type === "unsubscribe") return "unsubscribe";
  if (e.type === "subscription" && e.metadata?.unsubscribeAll === true) return "unsubscribe";
  return null;
}

/**
 * Decisions for a batch. Permanent ones come one per event (the storage keeps the first that applies);
 * soft bounces and deliveries only matter as the latest per address, because the streak itself is
 * recomputed from the stored events, which makes replays and reordering harmless.
 */
export function decide(events: readonly TrackingEvent[]): Decision[] {
  const out: Decision[] = [];
  const latestSoft = new Map<string, SoftBounceDecision>();
  const latestDelivery = new Map<string, DeliveryDecision>();
  const keepLatest = <D extends SoftBounceDecision | DeliveryDecision>(map: Map<string, D>, d: D) => {
    const prev = map.get(identityKey(d.email));
    if (!prev || d.at > prev.at || (d.at === prev.at && d.eventId > prev.eventId)) map.set(identityKey(d.email), d);
  };
  for (const e of events) {
    if (!e.contactId) continue;
    // The address as mailed is what a suppression shows (its key, email_key, is the identity key whatever the case).
    const email = e.email ? normalizeEmail(e.email) : e.contactId;
    const reason = permanentReason(e);
    if (reason) {
      out.push({ kind: "permanent", email, reason, at: e.occurredAt, eventId: e.id });
    } else if (e.type === "bounce") {
      keepLatest(latestSoft, { kind: "soft_bounce", email, at: e.occurredAt, eventId: e.id });
    } else if (e.type === "delivery") {
      keepLatest(latestDelivery, { kind: "delivery", email, at: e.occurredAt, eventId: e.id });
    }
  }
  return [...out, ...latestSoft.values(), ...latestDelivery.values()];
}
