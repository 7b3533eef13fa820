// Turning a verified token and the request that carried it into a domain event.

import type { EventType, TrackingEvent } from "../domain/events";
import { normalizeEmail } from "../domain/email";
import type { TokenPayload } from "./token";

export interface RequestFacts {
  userAgent: string | null;
  ip: string | null;
  now: number;
}

export function requestFacts(headers: Headers, now = Date.now()): RequestFacts {
  return {
    userAgent: headers.get("user-agent"),
    // As received from Cloudflare's edge; never parsed from client-controlled X-Forwarded-For.
    ip: headers.get("cf-connecting-ip"),
    now,
  };
}

const TYPE_BY_KIND: Record<TokenPayload["kind"], EventType> = {
  open: "open",
  click: "click",
  unsubscribe: "unsubscribe",
};

export function eventFromToken(payload: TokenPayload, facts: RequestFacts): TrackingEvent {
  return {
    id: crypto.randomUUID(),
    type: TYPE_BY_KIND[payload.kind],
    campaignId: payload.campaignId,
    contactId: normalizeEmail(payload.contact),
    email: payload.contact,
    sesMessageId: null,
    occurredAt: facts.now,
    link: payload.url ?? null,
    linkIndex: payload.linkIndex ?? null,
    userAgent: facts.userAgent,
    ip: facts.ip,
    metadata: payload.messageId ? { messageId: payload.messageId } : null,
  };
}
