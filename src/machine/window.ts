// What the ±10 s around a click can change about its verdict: the source it is grouped by, and its possible verdicts.
//
// Two facts of a click depend on clicks that may not have arrived yet: how many distinct links of the message its
// source clicked within ±10 s, and whether that source hit the honeypot then. The classifier reads them only as
// "honeypot or not" and "fewer than 2, 2, at least 3 links" (BURST_LINKS, PAIR_LINKS), so every verdict the click
// can end with is known when it is first seen: four classifications. Whoever later learns the window (the
// campaign's Durable Object) picks one of the four, without the request's address or agent.
import { BURST_LINKS, classifyInteraction, PAIR_LINKS, type InteractionFacts, type ReasonCode } from "./classify.ts";
import { parseIp } from "./ranges.ts";

/** The verdict reasons of one click for each window it may turn out to have: [lone, pair, burst, honeypot]. */
export type WindowVerdicts = readonly [lone: ReasonCode, pair: ReasonCode, burst: ReasonCode, honeypot: ReasonCode];

/** What the campaign's counters keep of a click for its ±10 s window: no address, no agent. */
export interface ClickWindowEntry {
  /** The message: its contact and, when the token named one, its message id. */
  message: string;
  /** /24 or /48 of the address (sourceOf). */
  source: string;
  /** The link as the classifier names it: "honeypot", or the link's index (its URL when it has none). */
  link: string;
  verdicts: WindowVerdicts;
}

export interface ClickWindow {
  /** Distinct links of the message clicked from the source within ±10 s, this one included. */
  links: number;
  /** A honeypot hit on the message from the source within ±10 s. */
  honeypot: boolean;
}

function reasonWith(facts: InteractionFacts, links: number, honeypot: boolean): ReasonCode {
  return classifyInteraction({ ...facts, distinctLinksSameSource10s: links, honeypotSameSource10s: honeypot }).reason as ReasonCode;
}

/** Classifies the click once per window that could make a difference. */
export function windowVerdicts(facts: InteractionFacts): WindowVerdicts {
  return [reasonWith(facts, 1, false), reasonWith(facts, PAIR_LINKS, false), reasonWith(facts, BURST_LINKS, false), reasonWith(facts, 1, true)];
}

/** The reason `classifyInteraction` gives the click once its window is known. */
export function verdictInWindow(verdicts: WindowVerdicts, window: ClickWindow): ReasonCode {
  if (window.honeypot) return verdicts[3];
  if (window.links >= BURST_LINKS) return verdicts[2];
  if (window.links >= PAIR_LINKS) return verdicts[1];
  return verdicts[0];
}

/**
 * The network a request came from, as bursts and the honeypot window group clicks: the /24 of an IPv4 address, the
 * /48 of an IPv6 one (a scanner fans out over neighbouring addresses). Null without a parsable address.
 */
export function sourceOf(ip: string | null | undefined): string | null {
  const key = parseIp(ip ?? null);
  if (!key) return null;
  if (key.family === 4) return `${key.value >>> 24}.${(key.value >>> 16) & 0xff}.${(key.value >>> 8) & 0xff}.0/24`;
  // The first 48 bits: the first word (two groups) and the high half of the second (one group).
  const [w0, w1] = key.words;
  const hex = (n: number) => n.toString(16);
  return `${hex(w0! >>> 16)}:${hex(w0! & 0xffff)}:${hex(w1! >>> 16)}::/48`;
}
