// Turning a verified token and the request that carried it into a domain event, with an id that absorbs replays.

import { encodeBase64Url } from "./base64url";
import { normalizeEmail } from "../domain/email";
import type { EventType, TrackingEvent } from "../domain/events";
import { ipNetwork } from "../domain/ip";
import type { TokenPayload } from "./token";

export interface RequestFacts {
  userAgent: string | null;
  /** The whole client address: used in memory (deduplication, classification); storage keeps its network only. */
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

/** Requests carrying the same token from the same network within one such window are one event. */
export const REPEAT_WINDOW_MS = 60_000;

/** The end of the repeat window `now` falls in. */
export function repeatWindowEnd(now: number): number {
  return (Math.floor(now / REPEAT_WINDOW_MS) + 1) * REPEAT_WINDOW_MS;
}

const utf8 = new TextEncoder();

/**
 * The id of a pixel or click event: a digest of the token, the client's network (IPv4 /24, IPv6 /48, as stored) and
 * the 60-second window. A URL replayed in a loop from one network is one event per window, however many requests it
 * makes: storage and counters skip ids they hold, while every request is still answered. Fixed here, where the event
 * is born; later stages (classification, counters) never change it. It holds nothing readable: no address, no token.
 */
export async function repeatEventId(kind: "open" | "click", token: string, facts: RequestFacts): Promise<string> {
  const window = Math.floor(facts.now / REPEAT_WINDOW_MS);
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(`${token}\n${ipNetwork(facts.ip) ?? ""}\n${window}`));
  return `${kind}:${encodeBase64Url(new Uint8Array(digest, 0, 16))}`;
}

const TYPE_BY_KIND: Record<TokenPayload["kind"], EventType> = {
  open: "open",
  click: "click",
  unsubscribe: "unsubscribe",
};

export function eventFromToken(payload: TokenPayload, facts: RequestFacts, id: string): TrackingEvent {
  return {
    id,
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
