// Parser for Apple's iCloud Private Relay egress file (`cidr,country,region,city,`), for the scheduled list refresh.
//
// Source: https://mask-api.icloud.com/egress-ip-ranges.csv, described in "Prepare your network or web server for
// iCloud Private Relay" (developer.apple.com/support/prepare-your-network-for-icloud-private-relay/). About 290k
// rows, v4 and v6 mixed, no header, a trailing empty field, IPv6 sometimes written with leading zeros
// (`2a04:4e41:0016:00f5::/64`). Rows that are not a plausible public egress prefix are counted and skipped, so one
// bad row never costs the list, while a file that is mostly bad shows in the counts (so a refresh can keep the last
// good list when `accepted` is implausibly small).
import ipaddr from "ipaddr.js";
import { compactRanges, networkRange, type ParsedRange, type RangeSet } from "./ranges.ts";

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

/** The range of one row when it is a plausible public egress prefix, else null. */
function rowRange(line: string): ParsedRange | null {
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
  return networkRange(address, prefix);
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

/** The egress file straight to the compact sorted form, with the parse counts for the refresh's checks. */
export function compactAppleEgressCsv(text: string): { set: RangeSet; parse: Omit<AppleEgressParse, "ranges"> } {
  const { ranges, ...parse } = parseAppleEgressCsv(text);
  return { set: compactRanges(ranges), parse };
}
