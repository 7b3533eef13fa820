// One-click unsubscribe (RFC 8058): the event it records and the pages a person sees.

import { unsubscribeEventId } from "../domain/event-ids";
import { identityKey } from "../domain/identity";
import type { TrackingEvent } from "../domain/events";
import type { TokenPayload } from "./token";
import type { RequestFacts } from "./edge-event";
import { escapeHtml, page } from "./pages";

/**
 * One unsubscribe per address per campaign, however often the button is pressed or the mailbox
 * provider retries: the id is derived from the campaign and the address, not drawn at random.
 */
export async function unsubscribeEvent(payload: TokenPayload, facts: RequestFacts, via: "one-click" | "page"): Promise<TrackingEvent> {
  return {
    id: await unsubscribeEventId(payload.campaignId, payload.contact),
    type: "unsubscribe",
    campaignId: payload.campaignId,
    contactId: identityKey(payload.contact),
    email: payload.contact,
    sesMessageId: null,
    occurredAt: facts.now,
    userAgent: facts.userAgent,
    ip: facts.ip,
    metadata: { via, ...(payload.messageId ? { messageId: payload.messageId } : {}) },
  };
}

/** The body RFC 8058 requires of a one-click POST (the confirm form sends it too). */
export function isOneClickBody(form: FormData): boolean {
  return form.get("List-Unsubscribe") === "One-Click";
}

/** The confirm page marks its own posts, so the two ways in can be told apart in the event. */
export function unsubscribeVia(form: FormData): "page" | "one-click" {
  return form.get("source") === "page" ? "page" : "one-click";
}

/** The confirm page a GET shows: nothing happens until the person presses the button (scanners only GET). */
export function confirmPage(payload: TokenPayload): string {
  return page(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Stop email from <strong>${escapeHtml(payload.campaignId)}</strong> to <strong>${escapeHtml(payload.contact)}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="source" value="page">
<button type="submit">Unsubscribe</button></form>`,
  );
}

export function donePage(payload: TokenPayload): string {
  return page(
    "Unsubscribed",
    `<h1>You are unsubscribed</h1><p><strong>${escapeHtml(payload.contact)}</strong> will not receive these emails again.</p>`,
  );
}
