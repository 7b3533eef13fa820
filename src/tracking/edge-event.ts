// Turning a verified token and the request that carried it into a domain event.

import type { EventType, RequestSignals, TrackingEvent } from "../domain/events";
import { normalizeEmail } from "../domain/email";
import { HONEYPOT_LINK_INDEX } from "./honeypot";
import type { TokenPayload } from "./token";

export interface RequestFacts {
  userAgent: string | null;
  ip: string | null;
  now: number;
  /** What classification needs besides the agent and the address: a few header reads, no parsing. */
  signals: RequestSignals;
}

/** The request's facts as Cloudflare's edge delivered them; nothing here waits or parses. */
export function requestFacts(request: Request, now = Date.now()): RequestFacts {
  const headers = request.headers;
  const asn = (request.cf as { asn?: unknown } | undefined)?.asn;
  return {
    userAgent: headers.get("user-agent"),
    // As received from Cloudflare's edge; never parsed from client-controlled X-Forwarded-For.
    ip: headers.get("cf-connecting-ip"),
    now,
    signals: { method: request.method, accept: headers.get("accept"), asn: typeof asn === "number" ? asn : null },
  };
}

const TYPE_BY_KIND: Record<TokenPayload["kind"], EventType> = {
  open: "open",
  click: "click",
  unsubscribe: "unsubscribe",
};

export function eventFromToken(payload: TokenPayload, facts: RequestFacts): TrackingEvent {
  const type = TYPE_BY_KIND[payload.kind];
  const metadata: Record<string, unknown> = {};
  if (payload.messageId) metadata.messageId = payload.messageId;
  if (payload.kind === "click" && payload.linkIndex === HONEYPOT_LINK_INDEX) metadata.honeypot = true;
  return {
    id: crypto.randomUUID(),
    type,
    campaignId: payload.campaignId,
    contactId: normalizeEmail(payload.contact),
    email: payload.contact,
    sesMessageId: null,
    occurredAt: facts.now,
    link: payload.url ?? null,
    linkIndex: payload.linkIndex ?? null,
    userAgent: facts.userAgent,
    ip: facts.ip,
    // Only opens and clicks are classified; an unsubscribe is a person's decision whatever carried it.
    request: type === "open" || type === "click" ? facts.signals : null,
    metadata: Object.keys(metadata).length > 0 ? metadata : null,
  };
}
