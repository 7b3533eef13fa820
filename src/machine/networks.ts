// The network lists classification consults: the bundled default, the current set, and their storage encoding.
//
// The default is built from the bundled data once per isolate, on first use. A later refresh (a cron trigger)
// produces a new set from the published sources, stores it with `encodeNetworkLists`, and each isolate installs
// what it reads with `decodeNetworkLists` + `setNetworkLists`; a blob that fails to decode is refused whole, so the
// last good lists stay in force.
import { APPLE_RELAY_SAMPLE } from "./lists/apple-relay-sample.ts";
import { GATEWAY_ASNS, GATEWAY_CIDRS, RELAY_ASNS, SCANNER_CIDRS } from "./lists/mail-filters.ts";
import { isWellFormed, rangeSetFromCidrs, type RangeSet } from "./ranges.ts";

export interface NetworkLists {
  /** Apple iCloud Private Relay egress (MPP fetches and Safari browsing leave through it). */
  relay: RangeSet;
  /** Networks that only filter mail (Microsoft EOP, Barracuda EGD, Microsoft scanner addresses). */
  scanner: RangeSet;
  /** Mail-relay ranges of mail-security gateways (Proofpoint, Mimecast). */
  gateway: RangeSet;
  /** ASNs of the relay, used only as a fallback for Apple Mail shaped opens. */
  relayAsns: ReadonlySet<number>;
  /** Mail-security vendors' ASNs, which may also carry a person's isolated browsing. */
  gatewayAsns: ReadonlySet<number>;
}

/** The lists as bundled with the code: a sample of the relay list and the full published mail-filter lists. */
export function bundledNetworkLists(): NetworkLists {
  return {
    relay: rangeSetFromCidrs(APPLE_RELAY_SAMPLE),
    scanner: rangeSetFromCidrs(SCANNER_CIDRS),
    gateway: rangeSetFromCidrs(GATEWAY_CIDRS),
    relayAsns: new Set(RELAY_ASNS),
    gatewayAsns: new Set(GATEWAY_ASNS),
  };
}

let current: NetworkLists | null = null;

/** The lists in force in this isolate (the bundled ones until `setNetworkLists` installs others). */
export function currentNetworkLists(): NetworkLists {
  current ??= bundledNetworkLists();
  return current;
}

/** Installs refreshed lists for every later classification in this isolate. */
export function setNetworkLists(lists: NetworkLists): void {
  current = lists;
}

// Encoding: "MTNL", version byte, 3 spare bytes, then for relay, scanner, gateway: u32 v4 range count, u32 v6 range
// count, the v4 words, the v6 words; then u32 count + relay ASNs, u32 count + gateway ASNs. All integers are
// little-endian u32, so the blob is the typed arrays' content and decoding is a copy, not a parse.
const MAGIC = [0x4d, 0x54, 0x4e, 0x4c]; // "MTNL"
const VERSION = 1;
const HEADER_BYTES = 8;

/** A stored blob that is not a well-formed encoding of network lists. */
export class NetworkListsFormatError extends Error {
  override readonly name = "NetworkListsFormatError";
}

function setsOf(lists: NetworkLists): RangeSet[] {
  return [lists.relay, lists.scanner, lists.gateway];
}

/** Serialises the lists for storage (KV, R2 or D1 blob). */
export function encodeNetworkLists(lists: NetworkLists): Uint8Array {
  const asnLists = [[...lists.relayAsns], [...lists.gatewayAsns]];
  let words = 0;
  for (const s of setsOf(lists)) words += 2 + s.v4.length + s.v6.length;
  for (const a of asnLists) words += 1 + a.length;
  const bytes = new Uint8Array(HEADER_BYTES + words * 4);
  bytes.set(MAGIC, 0);
  bytes[4] = VERSION;
  const view = new DataView(bytes.buffer);
  let at = HEADER_BYTES;
  const put = (v: number) => {
    view.setUint32(at, v, true);
    at += 4;
  };
  for (const s of setsOf(lists)) {
    put(s.v4.length / 2);
    put(s.v6.length / 8);
    for (const w of s.v4) put(w);
    for (const w of s.v6) put(w);
  }
  for (const a of asnLists) {
    put(a.length);
    for (const asn of a) put(asn);
  }
  return bytes;
}

/** Reads a stored blob back; throws NetworkListsFormatError for anything truncated, padded or out of order. */
export function decodeNetworkLists(input: Uint8Array | ArrayBuffer): NetworkLists {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NetworkListsFormatError("not a network lists blob (bad magic)");
  }
  if (bytes[4] !== VERSION) throw new NetworkListsFormatError(`unsupported network lists version ${bytes[4]}`);
  if ((bytes.length - HEADER_BYTES) % 4 !== 0) throw new NetworkListsFormatError("truncated network lists blob");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = HEADER_BYTES;
  const take = (count: number): Uint32Array => {
    if (at + count * 4 > bytes.length) throw new NetworkListsFormatError("truncated network lists blob");
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getUint32(at + i * 4, true);
    at += count * 4;
    return out;
  };
  const one = () => take(1)[0]!;
  const sets: RangeSet[] = [];
  for (let i = 0; i < 3; i++) {
    const v4Count = one();
    const v6Count = one();
    const set = { v4: take(v4Count * 2), v6: take(v6Count * 8) };
    if (!isWellFormed(set)) throw new NetworkListsFormatError("network lists ranges are not sorted and disjoint");
    sets.push(set);
  }
  const relayAsns = new Set(take(one()));
  const gatewayAsns = new Set(take(one()));
  if (at !== bytes.length) throw new NetworkListsFormatError("trailing bytes after network lists");
  return { relay: sets[0]!, scanner: sets[1]!, gateway: sets[2]!, relayAsns, gatewayAsns };
}
