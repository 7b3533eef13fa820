// Tracking traffic for load runs, benchmarks and tests: signed pixel and click URLs, invalid ones, and what each must do.
import { keyRing } from "../../src/config/tracking-keys.ts";
import { clickPath, pixelPath } from "../../src/tracking/links.ts";
import { signToken } from "../../src/tracking/token.ts";
import { TEST_TRACKING_KEYS } from "./secrets.ts";

export type Expectation =
  /** A valid open: the GIF, and one `open` event for the campaign. */
  | { kind: "open"; campaignId: string; status: 200 }
  /** A valid click: 302 to exactly this destination, and one `click` event. */
  | { kind: "click"; campaignId: string; status: 302; location: string }
  /** Invalid: the answer named, and no event at all. */
  | { kind: "invalid"; status: 200 | 404 };

export interface PlannedRequest {
  path: string;
  /** The client it comes from (CF-Connecting-IP): each planned request has a network of its own. */
  headers: Record<string, string>;
  expect: Expectation;
}

/**
 * A client address whose /24 is the n-th of its own (for n below 2^24): requests made from distinct ones are distinct
 * readers. Repeats of one token from one network within a minute are one event, so traffic that should store one
 * event per request must come from distinct networks.
 */
export function clientAddress(n: number): string {
  return `${10 + ((n >>> 16) & 0xff)}.${(n >>> 8) & 0xff}.${n & 0xff}.1`;
}

export interface TrafficOptions {
  /** A prefix that makes this run's campaign ids unique. */
  runId: string;
  campaigns: number;
  contactsPerCampaign: number;
}

type Minted = Omit<PlannedRequest, "headers">;

export interface TokenSet {
  opens: Minted[];
  clicks: Minted[];
  invalid: Minted[];
}

/** Change one character of the token's signature part: it must then verify as nothing. */
export function tamper(token: string, at = token.length - 5): string {
  const c = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + c + token.slice(at + 1);
}

/** One open and one click token per contact per campaign, plus invalid variants of each kind of mistake. */
export async function mintTokenSet(options: TrafficOptions): Promise<TokenSet> {
  const ring = await keyRing(TEST_TRACKING_KEYS);
  const set: TokenSet = { opens: [], clicks: [], invalid: [] };
  for (let c = 0; c < options.campaigns; c++) {
    const campaignId = `${options.runId}-c${c}`;
    for (let k = 0; k < options.contactsPerCampaign; k++) {
      const contact = `reader${k}@example.com`;
      const url = `https://shop.example.com/item/${c}/${k}?ref=mail`;
      const open = await signToken({ kind: "open", campaignId, contact }, ring);
      const click = await signToken({ kind: "click", campaignId, contact, url, linkIndex: k % 7 }, ring);
      set.opens.push({ path: pixelPath(open), expect: { kind: "open", campaignId, status: 200 } });
      set.clicks.push({ path: clickPath(click), expect: { kind: "click", campaignId, status: 302, location: url } });
      if (k === 0) {
        const unsubscribe = await signToken({ kind: "unsubscribe", campaignId, contact }, ring);
        set.invalid.push(
          { path: pixelPath(tamper(open)), expect: { kind: "invalid", status: 200 } },
          { path: clickPath(tamper(click)), expect: { kind: "invalid", status: 404 } },
          { path: clickPath(click.slice(0, -3)), expect: { kind: "invalid", status: 404 } },
          // A valid token of the wrong kind records nothing and never redirects.
          { path: clickPath(open), expect: { kind: "invalid", status: 404 } },
          { path: pixelPath(click), expect: { kind: "invalid", status: 200 } },
          { path: clickPath(unsubscribe), expect: { kind: "invalid", status: 404 } },
          { path: `/c/${"x".repeat(40)}`, expect: { kind: "invalid", status: 404 } },
        );
      }
    }
  }
  return set;
}

/**
 * `total` requests in a fixed interleaving: about `invalidShare` invalid, the rest half opens, half clicks,
 * cycling through every token so every campaign and contact gets traffic, each from a client of its own.
 */
export function planRequests(set: TokenSet, total: number, invalidShare = 0.1): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  const every = Math.max(2, Math.round(1 / invalidShare));
  let o = 0;
  let c = 0;
  let i = 0;
  for (let n = 0; n < total; n++) {
    let minted: Minted;
    if (n % every === every - 1 && set.invalid.length) minted = set.invalid[i++ % set.invalid.length]!;
    else if (n % 2 === 0) minted = set.opens[o++ % set.opens.length]!;
    else minted = set.clicks[c++ % set.clicks.length]!;
    out.push({ ...minted, headers: { "cf-connecting-ip": clientAddress(n) } });
  }
  return out;
}

/** Expected stored events per "campaign|type" for the requests that were answered as planned. */
export function expectedCounts(answered: readonly PlannedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of answered) {
    if (r.expect.kind === "invalid") continue;
    const key = `${r.expect.campaignId}|${r.expect.kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
