// Address ranges in a compact sorted form: CIDR parsing (ipaddr.js), merging, and lookup by binary search.
//
// A list of CIDRs (the Apple Private Relay file has ~290k rows) collapses to sorted, non-overlapping, merged
// [start, end] ranges held in typed arrays: IPv4 as pairs of 32-bit numbers, IPv6 as eight 32-bit words per range
// (start and end, most significant word first). A lookup is one binary search: microseconds, no allocation beyond
// parsing the address. Building happens once per isolate (bundled lists) or once per refresh (fetched lists).
import ipaddr from "ipaddr.js";

/** Sorted, non-overlapping, merged ranges. `v4`: [start, end] pairs. `v6`: 8 words per range (start w0..w3, end w0..w3). */
export interface RangeSet {
  readonly v4: Uint32Array;
  readonly v6: Uint32Array;
}

/** One parsed CIDR as an inclusive range: IPv4 as numbers, IPv6 as 128-bit integers (only used while building). */
export type ParsedRange =
  | { readonly family: 4; readonly start: number; readonly end: number }
  | { readonly family: 6; readonly start: bigint; readonly end: bigint };

/** A parsed request address, ready for lookups: IPv4 as one number, IPv6 as four 32-bit words. */
export type IpKey = { readonly family: 4; readonly value: number } | { readonly family: 6; readonly words: Uint32Array };

const maskCache = new Map<string, number[]>();

/** The subnet mask's bytes for a prefix, from ipaddr.js (cached: there are only 33 + 129 of them). */
function maskBytes(family: 4 | 6, prefix: number): number[] {
  const key = `${family}/${prefix}`;
  let bytes = maskCache.get(key);
  if (!bytes) {
    const mask = family === 4 ? ipaddr.IPv4.subnetMaskFromPrefixLength(prefix) : ipaddr.IPv6.subnetMaskFromPrefixLength(prefix);
    bytes = mask.toByteArray();
    maskCache.set(key, bytes);
  }
  return bytes;
}

function bytesToBigInt(bytes: readonly number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function bytesToNumber(bytes: readonly number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** The inclusive range of an address's network at a prefix length (host bits set in the address are ignored). */
export function networkRange(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ParsedRange {
  const family = address.kind() === "ipv4" ? 4 : 6;
  const bytes = address.toByteArray();
  const mask = maskBytes(family, prefix);
  const start = bytes.map((b, i) => b & mask[i]!);
  const end = start.map((b, i) => (b | ~mask[i]!) & 0xff);
  return family === 4
    ? { family: 4, start: bytesToNumber(start), end: bytesToNumber(end) }
    : { family: 6, start: bytesToBigInt(start), end: bytesToBigInt(end) };
}

/** Parses "a.b.c.d/n" or "x:y::/n" into an inclusive range; null for anything ipaddr.js does not accept as a CIDR. */
export function parseCidr(text: string): ParsedRange | null {
  try {
    const [address, prefix] = ipaddr.parseCIDR(text.trim());
    return networkRange(address, prefix);
  } catch {
    return null;
  }
}

const WORD = 0xffffffffn;

function writeWords(out: Uint32Array, at: number, value: bigint): void {
  out[at] = Number((value >> 96n) & WORD);
  out[at + 1] = Number((value >> 64n) & WORD);
  out[at + 2] = Number((value >> 32n) & WORD);
  out[at + 3] = Number(value & WORD);
}

interface Span<T> {
  start: T;
  end: T;
}

/** Merges overlapping and adjacent ranges of one family, after sorting by start. */
function merge<T extends number | bigint>(ranges: Span<T>[], successor: (v: T) => T): Span<T>[] {
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Span<T>[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    // Adjacent ranges merge too: 10.0.0.0/25 and 10.0.0.128/25 become one range.
    if (last && r.start <= successor(last.end)) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ start: r.start, end: r.end });
    }
  }
  return out;
}

/** Collapses parsed CIDRs (any order, overlaps allowed) into the compact sorted form. */
export function compactRanges(ranges: Iterable<ParsedRange>): RangeSet {
  const v4: Span<number>[] = [];
  const v6: Span<bigint>[] = [];
  for (const r of ranges) {
    if (r.family === 4) v4.push({ start: r.start, end: r.end });
    else v6.push({ start: r.start, end: r.end });
  }
  const m4 = merge(v4, (v) => v + 1);
  const m6 = merge(v6, (v) => v + 1n);
  const out4 = new Uint32Array(m4.length * 2);
  m4.forEach((r, i) => {
    out4[i * 2] = r.start;
    out4[i * 2 + 1] = r.end;
  });
  const out6 = new Uint32Array(m6.length * 8);
  m6.forEach((r, i) => {
    writeWords(out6, i * 8, r.start);
    writeWords(out6, i * 8 + 4, r.end);
  });
  return { v4: out4, v6: out6 };
}

/** Builds a set from CIDR strings that ship with the code; a bad entry is a programming error, so it throws. */
export function rangeSetFromCidrs(cidrs: readonly string[]): RangeSet {
  return compactRanges(
    cidrs.map((c) => {
      const r = parseCidr(c);
      if (!r) throw new TypeError(`bundled network list holds an invalid CIDR: ${c}`);
      return r;
    }),
  );
}

/** Parses a request address (IPv4, IPv6, IPv4-mapped IPv6) for lookups; null when absent or not an address. */
export function parseIp(ip: string | null): IpKey | null {
  if (!ip) return null;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns ::ffff:a.b.c.d into the IPv4 address it carries.
    address = ipaddr.process(ip.trim());
  } catch {
    return null;
  }
  if (address.kind() === "ipv4") return { family: 4, value: bytesToNumber(address.toByteArray()) };
  const parts = (address as ipaddr.IPv6).parts;
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((parts[i * 2]! << 16) | parts[i * 2 + 1]!) >>> 0;
  return { family: 6, words };
}

/** Compares four words of `table` at `at` with `key`: negative, zero or positive. */
function compare6(table: Uint32Array, at: number, key: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    const a = table[at + i]!;
    const b = key[i]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Whether the address lies in one of the set's ranges: a binary search for the last range starting at or below it. */
export function rangeSetHas(set: RangeSet, ip: IpKey): boolean {
  if (ip.family === 4) {
    const t = set.v4;
    let lo = 0;
    let hi = t.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const start = t[mid * 2]!;
      if (ip.value < start) hi = mid - 1;
      else if (ip.value > t[mid * 2 + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }
  const t = set.v6;
  let lo = 0;
  let hi = t.length / 8 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare6(t, mid * 8, ip.words) > 0) hi = mid - 1;
    else if (compare6(t, mid * 8 + 4, ip.words) < 0) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Number of merged ranges per family (for reports and sanity checks after a refresh). */
export function rangeCounts(set: RangeSet): { v4: number; v6: number } {
  return { v4: set.v4.length / 2, v6: set.v6.length / 8 };
}

/** Whether a decoded set keeps the invariants lookups rely on: each range ordered, ranges sorted and disjoint. */
export function isWellFormed(set: RangeSet): boolean {
  if (set.v4.length % 2 !== 0 || set.v6.length % 8 !== 0) return false;
  for (let i = 0; i < set.v4.length; i += 2) {
    if (set.v4[i]! > set.v4[i + 1]!) return false;
    if (i > 0 && set.v4[i]! <= set.v4[i - 1]!) return false;
  }
  for (let i = 0; i < set.v6.length; i += 8) {
    if (compare6(set.v6, i, set.v6.subarray(i + 4, i + 8)) > 0) return false;
    if (i > 0 && compare6(set.v6, i, set.v6.subarray(i - 4, i)) <= 0) return false;
  }
  return true;
}
