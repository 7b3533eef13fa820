// Human or machine for every open and click of a batch: the request facts, the send time and the network lists.
//
// Runs in the events consumer, never at the edge (the pixel and the redirect do not wait for it). A click's verdict
// may still change with clicks that arrive later (a burst, a honeypot hit from the same network within ±10 s): it is
// stored with the verdict it has alone, and the campaign's CampaignStats object settles it once the window is known
// (src/stats/click-window.ts), from the four verdicts computed here.
import { database } from "../db/client";
import { firstSendTimes, recipientKey } from "../db/send-times";
import type { TrackingEvent } from "../domain/events";
import { classifyInteraction, REASONS, type InteractionFacts, type ReasonCode } from "../machine/classify";
import { sourceOf, windowVerdicts, type ClickWindowEntry } from "../machine/window";
import { HONEYPOT_LINK_INDEX } from "../tracking/honeypot";
import { installStoredNetworkLists } from "../machine/stored-lists";

/** An event as the consumer stores and counts it: opens and clicks carry their verdict. */
export type ClassifiedEvent = TrackingEvent & { clickWindow?: ClickWindowEntry | null };

function isInteraction(e: TrackingEvent): e is TrackingEvent & { type: "open" | "click" } {
  return e.type === "open" || e.type === "click";
}

/** SES's own Open and Click events: classified, but counted apart and never part of our click windows. */
function fromSes(e: TrackingEvent): boolean {
  return e.metadata?.source === "ses";
}

function linkName(e: TrackingEvent): string | null {
  if (e.type !== "click") return null;
  if (e.linkIndex === HONEYPOT_LINK_INDEX && !fromSes(e)) return "honeypot";
  return e.linkIndex != null ? String(e.linkIndex) : (e.link ?? null);
}

/**
 * The classifier's facts for one open or click. Events without request signals (SES's, or queued before the edge
 * sent them) were GET requests: the edge enqueued nothing else. A click is described alone (one link, no honeypot):
 * its window is settled later.
 */
export function interactionFacts(e: TrackingEvent & { type: "open" | "click" }, sentAt: number | null): InteractionFacts {
  const click = e.type === "click";
  return {
    kind: e.type,
    method: e.request?.method ?? "GET",
    userAgent: e.userAgent ?? null,
    ip: e.ip ?? null,
    asn: e.request?.asn ?? null,
    accept: e.request?.accept ?? null,
    // Before the send means clocks disagree: unknown, not negative.
    secondsSinceSend: sentAt === null || e.occurredAt < sentAt ? null : (e.occurredAt - sentAt) / 1000,
    link: linkName(e),
    distinctLinksSameSource10s: click ? 1 : null,
    honeypotSameSource10s: click ? false : null,
  };
}

function messageKey(e: TrackingEvent): string {
  const messageId = e.metadata?.messageId;
  return `${e.contactId ?? ""}\n${typeof messageId === "string" ? messageId : ""}`;
}

/** One event with its verdict (and, for a click with a known source, its window entry); other types unchanged. */
export function classifyEvent(e: TrackingEvent, sentAt: number | null): ClassifiedEvent {
  if (!isInteraction(e)) return e;
  const facts = interactionFacts(e, sentAt);
  const source = e.type === "click" && !fromSes(e) ? sourceOf(e.ip) : null;
  let reason: ReasonCode;
  let clickWindow: ClickWindowEntry | null = null;
  if (source !== null) {
    const verdicts = windowVerdicts(facts);
    reason = verdicts[0];
    clickWindow = { message: messageKey(e), source, link: facts.link ?? "", verdicts };
  } else {
    reason = classifyInteraction(facts).reason as ReasonCode;
  }
  // A new object: the queue message's body (kept whole if it is ever dead-lettered) stays as it came.
  return { ...e, machine: REASONS[reason].machine, machineReason: reason, clickWindow };
}

/** Classifies a batch: one D1 round trip for the send times (only when it has opens or clicks), then pure work. */
export async function classifyEvents(env: Env, list: readonly TrackingEvent[]): Promise<ClassifiedEvent[]> {
  const interactions = list.filter(isInteraction);
  if (interactions.length === 0) return [...list];
  const db = database(env.DB);
  await installStoredNetworkLists(db);
  const recipients = interactions.flatMap((e) =>
    e.campaignId !== null && e.contactId !== null ? [{ campaignId: e.campaignId, contactId: e.contactId }] : [],
  );
  const sent = recipients.length > 0 ? await firstSendTimes(db, recipients) : new Map<string, number>();
  return list.map((e) => {
    const key = e.campaignId !== null && e.contactId !== null ? recipientKey({ campaignId: e.campaignId, contactId: e.contactId }) : null;
    return classifyEvent(e, key === null ? null : (sent.get(key) ?? null));
  });
}
