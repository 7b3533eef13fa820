// The daily refresh of the network lists: fetched from their publishers, checked, compacted and stored in D1.
//
// Sources: Apple's iCloud Private Relay egress file (./apple-relay.ts) and Microsoft's Exchange Online Protection
// ranges (./microsoft-endpoints.ts). The other lists (Barracuda, gateway ranges, the ASN rules) are published as web
// pages only and ship with the code (./lists/mail-filters.ts). A source that fails, or whose answer looks truncated
// or corrupt, keeps its part of the last good stored copy (or the bundled one before any): the new copy is stored
// only if at least one source gave something new, in one D1 transaction (../db/network-lists.ts).
//
// Cost, measured (docs/BENCHMARKS.md): parsing and compacting Apple's ~290,000 rows takes about 2 s of CPU on this
// machine's Node; a Cron Trigger invocation on the Workers Paid plan may use 30 s of CPU by default (up to 5 minutes
// with `limits.cpu_ms`), so the default is ample. The stored copy is a few hundred KB.
import { config } from "../config/config";
import { database, runBatch, type Db } from "../db/client";
import { storedListsBytes, storedListsHead, storeListsStatements } from "../db/network-lists";
import { compactAppleEgressStream } from "../machine/apple-relay";
import { SCANNER_CIDRS } from "../machine/lists/mail-filters";
import { eopRangesFromEndpoints } from "../machine/microsoft-endpoints";
import { bundledNetworkLists, decodeNetworkLists, encodeNetworkLists, type NetworkLists } from "../machine/networks";
import { rangeCounts, rangeSetFromCidrs, type RangeSet } from "../machine/ranges";

/**
 * The daily trigger (wrangler.toml [triggers]) that refreshes the network lists; every other one runs the replays.
 * Kept out of src/index.ts: workerd refuses to start a worker whose entry module exports anything but handlers.
 */
export const NETWORK_LISTS_CRON = "40 3 * * *";

export const APPLE_EGRESS_URL = "https://mask-api.icloud.com/egress-ip-ranges.csv";
export const MICROSOFT_ENDPOINTS_URL = "https://endpoints.office.com/endpoints/worldwide";
/** A download that takes longer than this is abandoned (the last good copy stays). */
const FETCH_TIMEOUT_MS = 60_000;
/** A refresh whose relay list shrank below this share of the last good one looks truncated. */
const MIN_SHARE_OF_PREVIOUS = 0.5;
/** Rows of Apple's file that may fail to parse before the file as a whole is distrusted: 10, or 1 %. */
const MAX_BAD_ROWS = { count: 10, share: 0.01 };

export interface SourceReport {
  /** fetched: this refresh's data is in the stored copy; kept: the last good (or bundled) part stayed. */
  outcome: "fetched" | "kept";
  /** Why the source's answer was not used. */
  reason?: string;
  rows?: number;
  rejected?: number;
  ranges?: { v4: number; v6: number };
}

export interface RefreshReport {
  stored: boolean;
  version: string | null;
  bytes: number;
  relay: SourceReport;
  microsoft: SourceReport;
}

type Fetcher = typeof fetch;

/** The answer's body, once it is a 200; anything else throws. */
async function download(fetcher: Fetcher, url: string, accept: string): Promise<ReadableStream<Uint8Array>> {
  const res = await fetcher(url, { headers: { accept }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new Error(`${new URL(url).host} answered HTTP ${res.status}`);
  }
  return res.body;
}

async function fetchRelay(fetcher: Fetcher, minRows: number): Promise<{ set: RangeSet; report: SourceReport } | { report: SourceReport }> {
  let compacted: Awaited<ReturnType<typeof compactAppleEgressStream>>;
  try {
    // Streamed: the 10–12 MB file is never held whole (a Worker has 128 MB).
    compacted = await compactAppleEgressStream(await download(fetcher, APPLE_EGRESS_URL, "text/csv, text/plain"));
  } catch (err) {
    return { report: { outcome: "kept", reason: String(err) } };
  }
  const { set, parse } = compacted;
  const seen = { rows: parse.rows, rejected: parse.rejected };
  if (parse.accepted < minRows) {
    return { report: { outcome: "kept", reason: `only ${parse.accepted} egress rows (at least ${minRows} expected): truncated?`, ...seen } };
  }
  if (parse.rejected > Math.max(MAX_BAD_ROWS.count, parse.rows * MAX_BAD_ROWS.share)) {
    return { report: { outcome: "kept", reason: `${parse.rejected} of ${parse.rows} rows are not egress prefixes: corrupt?`, ...seen } };
  }
  return { set, report: { outcome: "fetched", ...seen, ranges: rangeCounts(set) } };
}

async function fetchEop(fetcher: Fetcher): Promise<{ cidrs: string[]; report: SourceReport } | { report: SourceReport }> {
  try {
    // The service requires a client GUID per caller; a fresh one per refresh is allowed and identifies nobody.
    const body = await download(fetcher, `${MICROSOFT_ENDPOINTS_URL}?clientrequestid=${crypto.randomUUID()}`, "application/json");
    const text = await new Response(body).text();
    const cidrs = eopRangesFromEndpoints(text);
    return { cidrs, report: { outcome: "fetched", rows: cidrs.length } };
  } catch (err) {
    return { report: { outcome: "kept", reason: String(err) } };
  }
}

/** The last good stored copy, or null (none yet, or unreadable: then the bundled lists are the base). */
async function lastGoodCopy(db: Db): Promise<{ lists: NetworkLists; relayRows: number } | null> {
  const head = await storedListsHead(db);
  if (!head) return null;
  try {
    const bytes = await storedListsBytes(db, head.version);
    if (!bytes) return null;
    const relayRows = Number((head.summary.relay as SourceReport | undefined)?.rows ?? 0);
    return { lists: decodeNetworkLists(bytes), relayRows: Number.isFinite(relayRows) ? relayRows : 0 };
  } catch {
    return null;
  }
}

/** Fetches both sources and stores a new copy when either gave something usable. Throws only when D1 does. */
export async function refreshNetworkLists(env: Env, options: { fetch?: Fetcher; now?: number } = {}): Promise<RefreshReport> {
  const fetcher: Fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now();
  const db = database(env.DB);
  const previous = await lastGoodCopy(db);
  const minRows = Math.max(config(env).machine.minRelayRows, Math.floor((previous?.relayRows ?? 0) * MIN_SHARE_OF_PREVIOUS));
  const [relay, eop] = await Promise.all([fetchRelay(fetcher, minRows), fetchEop(fetcher)]);
  const report: RefreshReport = { stored: false, version: null, bytes: 0, relay: relay.report, microsoft: eop.report };
  if (!("set" in relay) && !("cidrs" in eop)) return report;

  const bundled = bundledNetworkLists();
  const base = previous?.lists ?? bundled;
  const lists: NetworkLists = {
    relay: "set" in relay ? relay.set : base.relay,
    // Microsoft's answer adds to the bundled mail-filter networks (Barracuda and the rest are not in it).
    scanner: "cidrs" in eop ? rangeSetFromCidrs([...SCANNER_CIDRS, ...eop.cidrs]) : base.scanner,
    // Published as web pages only: always the lists that ship with this code.
    gateway: bundled.gateway,
    relayAsns: bundled.relayAsns,
    gatewayAsns: bundled.gatewayAsns,
  };
  const bytes = encodeNetworkLists(lists);
  // The relay row count a later refresh compares itself with: the last fetched one when this refresh kept it.
  const relaySummary = "set" in relay ? relay.report : { ...relay.report, rows: previous?.relayRows };
  const version = `${new Date(now).toISOString()}-${crypto.randomUUID().slice(0, 8)}`;
  const head = { version, refreshedAt: now, summary: { relay: relaySummary, microsoft: eop.report, bytes: bytes.length } };
  await runBatch(db, storeListsStatements(db, head, bytes));
  return { ...report, stored: true, version, bytes: bytes.length };
}
