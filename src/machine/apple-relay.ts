// Parser for Apple's iCloud Private Relay egress file (`cidr,country,region,city,`), for the scheduled list refresh.
//
// Source: https://mask-api.icloud.com/egress-ip-ranges.csv, described in "Prepare your network or web server for
// iCloud Private Relay" (developer.apple.com/support/prepare-your-network-for-icloud-private-relay/). About 290k
// rows, v4 and v6 mixed, no header, a trailing empty field, IPv6 sometimes written with leading zeros
// (`2a04:4e41:0016:00f5::/64`). Rows that are not a plausible public egress prefix are counted and skipped, so one
// bad row never costs the list, while a file that is mostly bad shows in the counts (so a refresh can keep the last
// good list when `accepted` is implausibly small).
import ipaddr from "ipaddr.js";
import { networkRange, RangeCollector, type ParsedRange, type RangeSet } from "./ranges.ts";

export interface AppleEgressParse {
  /** The accepted rows' ranges, in file order. */
  ranges: ParsedRange[];
  /** Non-empty lines read. */
  rows: number;
  accepted: number;
  rejected: number;
  /** Up to ten rejected lines, for the refresh's log. */
  rejectedSamples: string[];
}

/** Shorter prefixes than these would be whole provider blocks, not egress pools: a corrupt row, never Apple's. */
const MIN_PREFIX = { ipv4: 8, ipv6: 16 } as const;
const COUNTRY = /^[A-Z]{2}$/;

/** The network of one row when it is a plausible public egress prefix, else null. */
function rowNetwork(line: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const comma = line.indexOf(",");
  if (comma < 0) return null;
  const cidr = line.slice(0, comma).trim();
  // Apple always fills the two-letter country; a header line ("cidr,country,...") fails here too.
  if (!COUNTRY.test(line.slice(comma + 1, comma + 3)) || line[comma + 3] !== ",") return null;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    return null;
  }
  const [address, prefix] = parsed;
  if (prefix < MIN_PREFIX[address.kind()]) return null;
  // Private, loopback, multicast or reserved space is never an egress address seen on the Internet.
  if (address.range() !== "unicast") return null;
  return [address, prefix];
}

function rowRange(line: string): ParsedRange | null {
  const network = rowNetwork(line);
  return network ? networkRange(...network) : null;
}

/** Reads the egress file's text. Never throws: bad rows are counted in `rejected`. */
export function parseAppleEgressCsv(text: string): AppleEgressParse {
  const out: AppleEgressParse = { ranges: [], rows: 0, accepted: 0, rejected: 0, rejectedSamples: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    out.rows++;
    const range = rowRange(line);
    if (range) {
      out.ranges.push(range);
      out.accepted++;
    } else {
      out.rejected++;
      if (out.rejectedSamples.length < 10) out.rejectedSamples.push(line.slice(0, 120));
    }
  }
  return out;
}

export type AppleEgressCounts = Omit<AppleEgressParse, "ranges">;

/**
 * The egress file to the compact sorted form, a line at a time: no line array and no object per row are kept, so the
 * whole file (10–12 MB, ~290,000 rows) fits well within a Worker's 128 MB.
 */
export class AppleEgressCompactor {
  readonly counts: AppleEgressCounts = { rows: 0, accepted: 0, rejected: 0, rejectedSamples: [] };
  private readonly collector = new RangeCollector();
  private partial = "";

  /** One line of the file (surrounding whitespace and CR ignored; blank lines skipped). */
  line(raw: string): void {
    const line = raw.trim();
    if (line === "") return;
    this.counts.rows++;
    const network = rowNetwork(line);
    if (network) {
      this.collector.addNetwork(...network);
      this.counts.accepted++;
    } else {
      this.counts.rejected++;
      if (this.counts.rejectedSamples.length < 10) this.counts.rejectedSamples.push(line.slice(0, 120));
    }
  }

  /** A piece of the file as it streams in; lines may span pieces. */
  text(piece: string): void {
    let at = 0;
    for (let nl = piece.indexOf("\n"); nl >= 0; nl = piece.indexOf("\n", at)) {
      this.line(this.partial + piece.slice(at, nl));
      this.partial = "";
      at = nl + 1;
    }
    this.partial += piece.slice(at);
  }

  finish(): { set: RangeSet; parse: AppleEgressCounts } {
    this.line(this.partial);
    this.partial = "";
    return { set: this.collector.finish(), parse: this.counts };
  }
}

/** The whole file's text to the compact sorted form, with the parse counts for the refresh's checks. */
export function compactAppleEgressCsv(text: string): { set: RangeSet; parse: AppleEgressCounts } {
  const compactor = new AppleEgressCompactor();
  compactor.text(text);
  return compactor.finish();
}

/** The file as a response body streams it: decoded and compacted piece by piece, never held whole. */
export async function compactAppleEgressStream(body: ReadableStream<Uint8Array>): Promise<{ set: RangeSet; parse: AppleEgressCounts }> {
  const compactor = new AppleEgressCompactor();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) compactor.text(decoder.decode(next.value, { stream: true }));
  compactor.text(decoder.decode());
  return compactor.finish();
}
