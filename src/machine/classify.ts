// Human or machine, with a stable reason, for one open or click: a pure function of the request facts and the lists.
//
// Rules, first match wins (evidence: the research note machine-signals.md, signal ids S01–S14 / H01–H04):
//
// | # | reason code             | verdict | family   | condition                                                        |
// |---|-------------------------|---------|----------|------------------------------------------------------------------|
// | 1 | head_request            | machine | scanner  | method HEAD (S08: Safe Links and other scanners probe with HEAD)  |
// | 2 | unusual_method          | machine | scanner  | any method but GET/HEAD (mail clients and browsers only GET)     |
// | 3 | empty_agent             | machine | scanner  | User-Agent absent, blank or "-" (S07)                            |
// | 4 | honeypot                | machine | scanner  | the hidden trap link (S11)                                       |
// | 5 | honeypot_window         | machine | scanner  | same source hit the trap within ±10 s (S11)                      |
// | 6 | scanner_network         | machine | scanner  | address in a mail-filtering-only network: EOP, Barracuda (S05)   |
// | 7 | gateway_network         | machine | scanner  | a gateway vendor's mail-relay range (Proofpoint, Mimecast); or   |
// |   |                         |         |          | its ASN (also Cisco) and an open, or a click whose Accept is not |
// |   |                         |         |          | a navigation's (S10 + S14)                                       |
// | 8 | burst                   | machine | scanner  | click; ≥3 distinct links of the message, same source, ±10 s (S12)|
// | 9 | gmail_prefetch          | machine | prefetch | the Gmail app prefetcher's Edge/12.246 agent (S04)               |
// |10 | mpp_proxy               | machine | mpp      | open from Private Relay egress (the list, or the Akamai/Fastly   |
// |   |                         |         |          | relay ASNs) with a bare `Mozilla/5.0` or an Apple engine-only    |
// |   |                         |         |          | agent (S01–S03)                                                  |
// |11 | bare_agent              | machine | generic  | bare `Mozilla/5.0` anywhere else (S09)                           |
// |12 | proxied_human           | human   | human    | open by GoogleImageProxy: Gmail fetching for the reader (H02)    |
// |13 | yahoo_proxy_open        | human   | human    | open by YahooMailProxy (documented as fetching for the reader)   |
// |14 | scanner_agent           | machine | scanner  | named scanner/previewer agent; Yahoo's proxy on a link (S06)     |
// |15 | library_agent           | machine | scanner  | HTTP library or CLI agent (S06)                                  |
// |16 | bot_agent               | machine | scanner  | any other agent isbot recognises (S06)                           |
// |17 | paired_non_navigation   | machine | scanner  | click; 2 links from the same source within ±10 s and an Accept   |
// |   |                         |         |          | without text/html (S12 corroborated by S14)                      |
// |18 | gateway_isolation       | human   | human    | click from a gateway ASN as a browser navigation: a person       |
// |   |                         |         |          | behind Proofpoint/Mimecast browser isolation                     |
// |19 | private_relay_browser   | human   | human    | Private Relay address with a Safari agent (H03)                  |
// |20 | human                   | human   | human    | no machine signal (H01, H04)                                     |
//
// Timing is deliberately not a rule: people click magic links within three seconds and Gmail's proxy fetches seconds
// after delivery, and no rule above becomes true or false with `secondsSinceSend` (so the note's R9 window, which
// would let timing decide for gateway networks, is replaced by the Accept corroboration of rule 7).
// What cannot be known: an MPP fetch may be the person reading (Apple relays both the same way); a scanner with a
// browser agent, from an unlisted network, touching one link once, looks like a person.
import {
  acceptsHtml,
  isAppleEngineOnly,
  isBareMozilla,
  isGenericBot,
  isGmailPrefetch,
  isGoogleImageProxy,
  isLibraryAgent,
  isSafari,
  isScannerAgent,
  isYahooMailProxy,
} from "./agents.ts";
import { currentNetworkLists, type NetworkLists } from "./networks.ts";
import { parseIp, rangeSetHas } from "./ranges.ts";

export interface InteractionFacts {
  kind: "open" | "click";
  /** "GET", "HEAD", … */
  method: string;
  userAgent: string | null;
  /** As Cloudflare saw it (CF-Connecting-IP). */
  ip: string | null;
  /** request.cf.asn */
  asn: number | null;
  /** The Accept header. */
  accept: string | null;
  /** Null when the send time is unknown. */
  secondsSinceSend: number | null;
  /** Null for opens; "honeypot" for the trap link; otherwise the link's id or index. */
  link: string | null;
  /**
   * Clicks only: distinct links of this message clicked from this source (/24 IPv4, /48 IPv6) within ±10 s, this one
   * included.
   */
  distinctLinksSameSource10s: number | null;
  /** Clicks only: a honeypot hit on this message from the same source within ±10 s. */
  honeypotSameSource10s: boolean | null;
}

/** reason: a stable code from REASONS. */
export interface Verdict {
  machine: boolean;
  reason: string;
}

export type ReasonFamily = "mpp" | "prefetch" | "scanner" | "generic" | "human";

/** Every reason code, whether it means machine, and its family (the counters' breakdown). */
export const REASONS = {
  head_request: { machine: true, family: "scanner" },
  unusual_method: { machine: true, family: "scanner" },
  empty_agent: { machine: true, family: "scanner" },
  honeypot: { machine: true, family: "scanner" },
  honeypot_window: { machine: true, family: "scanner" },
  scanner_network: { machine: true, family: "scanner" },
  gateway_network: { machine: true, family: "scanner" },
  burst: { machine: true, family: "scanner" },
  gmail_prefetch: { machine: true, family: "prefetch" },
  mpp_proxy: { machine: true, family: "mpp" },
  bare_agent: { machine: true, family: "generic" },
  proxied_human: { machine: false, family: "human" },
  yahoo_proxy_open: { machine: false, family: "human" },
  scanner_agent: { machine: true, family: "scanner" },
  library_agent: { machine: true, family: "scanner" },
  bot_agent: { machine: true, family: "scanner" },
  paired_non_navigation: { machine: true, family: "scanner" },
  gateway_isolation: { machine: false, family: "human" },
  private_relay_browser: { machine: false, family: "human" },
  human: { machine: false, family: "human" },
} as const satisfies Record<string, { machine: boolean; family: ReasonFamily }>;

export type ReasonCode = keyof typeof REASONS;

/** Links a burst needs (Preside, mautic#9798, SendGrid support) and the corroborated pair. */
export const BURST_LINKS = 3;
export const PAIR_LINKS = 2;

function verdict(reason: ReasonCode): Verdict {
  return { machine: REASONS[reason].machine, reason };
}

function decide(lists: NetworkLists, f: InteractionFacts): ReasonCode {
  const method = f.method.trim().toUpperCase();
  if (method === "HEAD") return "head_request";
  if (method !== "GET") return "unusual_method";
  const ua = (f.userAgent ?? "").trim();
  if (ua === "" || ua === "-") return "empty_agent";
  if (f.link === "honeypot") return "honeypot";
  if (f.honeypotSameSource10s === true) return "honeypot_window";

  const click = f.kind === "click";
  const ip = parseIp(f.ip);
  if (ip && rangeSetHas(lists.scanner, ip)) return "scanner_network";
  if (ip && rangeSetHas(lists.gateway, ip)) return "gateway_network";
  // A vendor ASN may be a person behind browser isolation; a real browser navigation sends text/html.
  const gatewayAsn = f.asn !== null && lists.gatewayAsns.has(f.asn);
  if (gatewayAsn && (!click || !acceptsHtml(f.accept))) return "gateway_network";
  const linksNearby = click ? (f.distinctLinksSameSource10s ?? 0) : 0;
  if (linksNearby >= BURST_LINKS) return "burst";

  if (isGmailPrefetch(ua)) return "gmail_prefetch";
  const relay = (ip !== null && rangeSetHas(lists.relay, ip)) || (f.asn !== null && lists.relayAsns.has(f.asn));
  if (!click && relay && (isBareMozilla(ua) || isAppleEngineOnly(ua))) return "mpp_proxy";
  if (isBareMozilla(ua)) return "bare_agent";
  // Proxies that fetch for a reader: handled before isbot, which flags both.
  if (!click && isGoogleImageProxy(ua)) return "proxied_human";
  if (!click && isYahooMailProxy(ua)) return "yahoo_proxy_open";
  if (isScannerAgent(ua)) return "scanner_agent";
  if (isLibraryAgent(ua)) return "library_agent";
  if (isGenericBot(ua)) return "bot_agent";
  if (linksNearby >= PAIR_LINKS && !acceptsHtml(f.accept)) return "paired_non_navigation";

  if (gatewayAsn) return "gateway_isolation";
  if (relay && isSafari(ua)) return "private_relay_browser";
  return "human";
}

/** A classifier bound to the given lists (for tests, and for lists loaded from storage). */
export function createClassifier(lists: NetworkLists): (facts: InteractionFacts) => Verdict {
  return (facts) => verdict(decide(lists, facts));
}

/** Classifies one open or click with the lists in force in this isolate (bundled until a refresh installs others). */
export function classifyInteraction(facts: InteractionFacts): Verdict {
  return verdict(decide(currentNetworkLists(), facts));
}
