// Turning a verified token and the request that carried it into a domain event, with an id that absorbs replays.

import { encodeBase64Url } from "../lib/base64url";
import type { EventType, RequestSignals, TrackingEvent } from "../domain/events";
import { identityKey } from "../domain/identity";
import { ipNetwork } from "../domain/ip";
import { HONEYPOT_LINK_INDEX } from "./honeypot";
import type { TokenPayload } from "./token";

export interface RequestFacts {
  userAgent: string | null;
  /** The whole client address: used in memory (deduplication, classification); storage keeps its network only. */
  ip: string | null;
  now: number;
  /** What classification needs besides the agent and the address: a few header reads, no parsing. */
  signals: RequestSignals;
}

/** The request's facts as Cloudflare's edge delivered them; nothing here waits or parses. */
export function requestFacts(request: Request, now = Date.now()): RequestFacts {
  const headers = request.headers;
  const cf = request.cf as { asn?: unknown; country?: unknown } | undefined;
  const asn = cf?.asn;
  const country = countryOf(cf?.country);
  return {
    userAgent: headers.get("user-agent"),
    // As received from Cloudflare's edge; never parsed from client-controlled X-Forwarded-For.
    ip: headers.get("cf-connecting-ip"),
    now,
    signals: {
      method: request.method,
      accept: headers.get("accept"),
      asn: typeof asn === "number" ? asn : null,
      // Left out when unknown: the queue message stays as it was.
      ...(country !== null ? { country } : {}),
    },
  };
}

/** The edge's country code as sent, upper-cased; anything but 2 letters (a missing or odd placeholder) is none. */
function countryOf(value: unknown): string | null {
  return typeof value === "string" && /^[A-Za-z0-9]{2}$/.test(value) ? value.toUpperCase() : null;
}

/** Requests carrying the same token from the same network within one such window are one event. */
export const REPEAT_WINDOW_MS = 60_000;

/** The end of the repeat window `now` falls in. */
export function repeatWindowEnd(now: number): number {
  return (Math.floor(now / REPEAT_WINDOW_MS) + 1) * REPEAT_WINDOW_MS;
}

const utf8 = new TextEncoder();

/**
 * The id of a pixel or click event: a digest of the token, the request method, the client's network (IPv4 /24,
 * IPv6 /48, as stored) and the 60-second window. A URL replayed in a loop from one network is one event per window,
 * however many requests it makes: storage and counters skip ids they hold, while every request is still answered.
 * The method is part of it so that a scanner's HEAD never stands in for the GET of a person on the same network.
 * Fixed here, where the event is born; classification and the counters' relabelling never change it. It holds
 * nothing readable: no address, no token.
 */
export async function repeatEventId(kind: "open" | "click", token: string, facts: RequestFacts): Promise<string> {
  const window = Math.floor(facts.now / REPEAT_WINDOW_MS);
  const input = `${token}\n${facts.signals.method}\n${ipNetwork(facts.ip) ?? ""}\n${window}`;
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(input));
  return `${kind}:${encodeBase64Url(new Uint8Array(digest, 0, 16))}`;
}

const TYPE_BY_KIND: Record<TokenPayload["kind"], EventType> = {
  open: "open",
  click: "click",
  unsubscribe: "unsubscribe",
};

export function eventFromToken(payload: TokenPayload, facts: RequestFacts, id: string): TrackingEvent {
  const type = TYPE_BY_KIND[payload.kind];
  const metadata: Record<string, unknown> = {};
  if (payload.messageId) metadata.messageId = payload.messageId;
  if (payload.kind === "click" && payload.linkIndex === HONEYPOT_LINK_INDEX) metadata.honeypot = true;
  return {
    id,
    type,
    campaignId: payload.campaignId,
    contactId: identityKey(payload.contact),
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
