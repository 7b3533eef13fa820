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

/** Sorted order of `count` ranges of `width` words each in `table`, by start, then end (word by word). */
function sortedOrder(table: Uint32Array, count: number, width: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => {
    for (let w = 0; w < width; w++) {
      const x = table[a * width + w]!;
      const y = table[b * width + w]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

/** Whether `next` (words at `at` of `table`) is at most one past `end` (words at `endAt` of `out`): it overlaps or touches. */
function touches(table: Uint32Array, at: number, out: Uint32Array, endAt: number, words: number): boolean {
  // next <= end + 1, computed as next - 1 <= end without overflow: next == 0 always touches.
  let borrow = 1;
  const minus = new Uint32Array(words);
  for (let w = words - 1; w >= 0; w--) {
    const v = table[at + w]! - borrow;
    borrow = v < 0 ? 1 : 0;
    minus[w] = v >>> 0;
  }
  if (borrow) return true;
  for (let w = 0; w < words; w++) {
    if (minus[w]! !== out[endAt + w]!) return minus[w]! < out[endAt + w]!;
  }
  return true;
}

function isGreater(table: Uint32Array, at: number, out: Uint32Array, outAt: number, words: number): boolean {
  for (let w = 0; w < words; w++) {
    if (table[at + w]! !== out[outAt + w]!) return table[at + w]! > out[outAt + w]!;
  }
  return false;
}

/**
 * Sorts and merges ranges of `words` 32-bit words per bound ([start, end] back to back): overlapping and adjacent
 * ranges become one (10.0.0.0/25 and 10.0.0.128/25 are 10.0.0.0–10.0.0.255).
 */
function mergeRanges(table: Uint32Array, count: number, words: number): Uint32Array {
  const width = words * 2;
  const order = sortedOrder(table, count, width);
  const out = new Uint32Array(count * width);
  let n = 0;
  for (const i of order) {
    const at = i * width;
    const last = (n - 1) * width;
    if (n > 0 && touches(table, at, out, last + words, words)) {
      if (isGreater(table, at + words, out, last + words, words)) out.set(table.subarray(at + words, at + width), last + words);
    } else {
      out.set(table.subarray(at, at + width), n * width);
      n++;
    }
  }
  return out.slice(0, n * width);
}

/**
 * Collects ranges one by one into typed arrays, then sorts and merges them into a RangeSet. No object per range is
 * kept, so Apple's ~290,000 rows take a few MB, not the hundred or so objects and bigints would.
 */
export class RangeCollector {
  private v4 = new Uint32Array(2 * 1024);
  private v6 = new Uint32Array(8 * 1024);
  private n4 = 0;
  private n6 = 0;

  /** The network of `address` at `prefix` (host bits ignored). */
  addNetwork(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): void {
    const bytes = address.toByteArray();
    if (address.kind() === "ipv4") {
      const mask = maskBytes(4, prefix);
      const start = bytesToNumber(bytes.map((b, i) => b & mask[i]!));
      const end = bytesToNumber(bytes.map((b, i) => (b | ~mask[i]!) & 0xff));
      this.push4(start, end);
      return;
    }
    const mask = maskBytes(6, prefix);
    const words = new Uint32Array(8);
    for (let w = 0; w < 4; w++) {
      let start = 0;
      let end = 0;
      for (let k = 0; k < 4; k++) {
        const b = bytes[w * 4 + k]!;
        const m = mask[w * 4 + k]!;
        start = (start << 8) | (b & m);
        end = (end << 8) | ((b | ~m) & 0xff);
      }
      words[w] = start >>> 0;
      words[4 + w] = end >>> 0;
    }
    this.push6(words);
  }

  add(range: ParsedRange): void {
    if (range.family === 4) {
      this.push4(range.start, range.end);
      return;
    }
    const words = new Uint32Array(8);
    writeWords(words, 0, range.start);
    writeWords(words, 4, range.end);
    this.push6(words);
  }

  /** The sorted, merged set of everything added. */
  finish(): RangeSet {
    return { v4: mergeRanges(this.v4, this.n4, 1), v6: mergeRanges(this.v6, this.n6, 4) };
  }

  private push4(start: number, end: number): void {
    if ((this.n4 + 1) * 2 > this.v4.length) this.v4 = grow(this.v4);
    this.v4[this.n4 * 2] = start;
    this.v4[this.n4 * 2 + 1] = end;
    this.n4++;
  }

  private push6(words: Uint32Array): void {
    if ((this.n6 + 1) * 8 > this.v6.length) this.v6 = grow(this.v6);
    this.v6.set(words, this.n6 * 8);
    this.n6++;
  }
}

function grow(table: Uint32Array): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(table.length * 2);
  bigger.set(table);
  return bigger;
}

function writeWords(out: Uint32Array, at: number, value: bigint): void {
  out[at] = Number((value >> 96n) & WORD);
  out[at + 1] = Number((value >> 64n) & WORD);
  out[at + 2] = Number((value >> 32n) & WORD);
  out[at + 3] = Number(value & WORD);
}

/** Collapses parsed CIDRs (any order, overlaps allowed) into the compact sorted form. */
export function compactRanges(ranges: Iterable<ParsedRange>): RangeSet {
  const collector = new RangeCollector();
  for (const r of ranges) collector.add(r);
  return collector.finish();
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
