// The capacity model: from figures per event and per sent mail to each store's size at retention, rows written and
// queue operations a day, the monthly bill at Cloudflare's published prices and the limit that binds first. Plain
// functions of their inputs (bench/capacity.ts builds the inputs from the storage bench and renders docs/SCALE.md).

const GB = 1e9;
const DAY_SECONDS = 86_400;
const MONTH_DAYS = 30;

/** Prices on the Workers Paid plan (USD), each with the page it was read from (bench/capacity.ts cites them). */
export const PRICES = {
  workersBase: 5,
  workersRequestsIncluded: 10e6,
  workersPerMillionRequests: 0.3,
  /** D1 and SQLite-backed Durable Objects bill rows alike, each with its own allowance. */
  rowsWrittenIncluded: 50e6,
  perMillionRowsWritten: 1.0,
  rowsReadIncluded: 25e9,
  perMillionRowsRead: 0.001,
  d1StorageIncludedGb: 5,
  d1PerGbMonth: 0.75,
  doStorageIncludedGb: 5,
  doPerGbMonth: 0.2,
  doRequestsIncluded: 1e6,
  doPerMillionRequests: 0.15,
  doGbSecondsIncluded: 400_000,
  doPerMillionGbSeconds: 12.5,
  queueOpsIncluded: 1e6,
  queuePerMillionOps: 0.4,
  r2StorageIncludedGb: 10,
  r2PerGbMonth: 0.015,
  r2ClassAIncluded: 1e6,
  r2PerMillionClassA: 4.5,
} as const;

/** Platform limits (Workers Paid) and the goal of issue 24 (every store under 5 GB at the design point). */
export const LIMITS = {
  storeBytes: 10 * GB,
  goalBytes: 5 * GB,
  doRequestsPerSecond: 1_000,
  queueMessagesPerSecond: 5_000,
  concurrentConsumers: 250,
} as const;

export type StoreKind = "d1" | "do";
/** "deployment": one store for everything; "campaign": one per campaign, all of it in one for a one-campaign sender. */
export type StoreScope = "deployment" | "campaign" | "shards";
export type Source = "measured" | "target" | "assumed";

export interface Store {
  name: string;
  kind: StoreKind;
  scope: StoreScope;
}

/** One kind of content of a store: what it costs per unit, how long it is kept. */
export interface Part {
  store: string;
  what: string;
  per: "event" | "mail" | "contact";
  bytes: number;
  /** Days kept; null: the deployment's retention. Ignored for contacts (kept while the person is). */
  keptDays: number | null;
  rowsWritten: number;
  /** Rows written again when it expires (a delete writes the row and every index entry). */
  rowsAtExpiry: number;
  source: Source;
}

export interface Model {
  name: string;
  eventsPerMail: number;
  stores: Store[];
  parts: Part[];
  /** Events queue messages per event and send queue messages per sent mail; each message is 3 operations. */
  queueMessagesPerEvent: number;
  sendMessagesPerMail: number;
  /** Events a consumer invocation handles, and the seconds it takes (consumers needed = batches/s × seconds). */
  eventsPerConsumerBatch: number;
  consumerBatchSeconds: number;
  /** Durable Object requests per event (all classes) and wall seconds each is active (duration billing). */
  doRequestsPerEvent: number;
  /** Rows read per event in D1 and in Durable Objects (billed after 25 billion a month each). */
  rowsReadPerEvent: Record<StoreKind, number>;
  doSecondsPerRequest: number;
  /** Events/s one D1 database takes on the event path (null: D1 is not on it). */
  d1EventsPerSecond: number | null;
  archive: { bytesPerEvent: number; eventsPerFile: number } | null;
  /** Bytes a shard may hold before the count grows (a margin under the 5 GB goal). */
  shardBytes: number;
  minShards: number;
}

export interface Scenario {
  mailsPerDay: number;
  retentionDays: number;
  contacts: number;
  /** Events/s in a burst. */
  peakEventsPerSecond: number;
}

/** The design point's ratios (issue 24: 10M mails a day, 50M contacts, bursts of 10,000 events/s). */
export function scenarioFor(mailsPerDay: number, eventsPerMail: number, retentionDays = 395): Scenario {
  const averagePerSecond = (10e6 * eventsPerMail) / DAY_SECONDS;
  return {
    mailsPerDay,
    retentionDays,
    contacts: mailsPerDay * 5,
    peakEventsPerSecond: (mailsPerDay * eventsPerMail * (10_000 / averagePerSecond)) / DAY_SECONDS,
  };
}

const unitsPerDay = (p: Part, m: Model, s: Scenario) => (p.per === "event" ? s.mailsPerDay * m.eventsPerMail : p.per === "mail" ? s.mailsPerDay : 0);
const keptDays = (p: Part, s: Scenario) => Math.min(p.keptDays ?? s.retentionDays, s.retentionDays);

/** Bytes a part holds once retention is reached (the steady state). */
export function partBytes(p: Part, m: Model, s: Scenario): number {
  return p.per === "contact" ? p.bytes * s.contacts : p.bytes * unitsPerDay(p, m, s) * keptDays(p, s);
}

/** Rows a part writes a day in the steady state: what arrives, and what expires (as much again leaves each day). */
export function partRowsPerDay(p: Part, m: Model, s: Scenario): number {
  return unitsPerDay(p, m, s) * (p.rowsWritten + p.rowsAtExpiry);
}

export interface StoreSize {
  store: Store;
  bytes: number;
  /** Objects holding it: 1, or the shard count (each at most shardBytes, at least minShards). */
  objects: number;
  bytesPerObject: number;
}

export function storeSizes(m: Model, s: Scenario): StoreSize[] {
  return m.stores.map((store) => {
    const bytes = m.parts.filter((p) => p.store === store.name).reduce((sum, p) => sum + partBytes(p, m, s), 0);
    const objects = store.scope === "shards" ? Math.max(m.minShards, Math.ceil(bytes / m.shardBytes)) : 1;
    return { store, bytes, objects, bytesPerObject: bytes / objects };
  });
}

export function rowsWrittenPerDay(m: Model, s: Scenario, kind: StoreKind): number {
  const names = new Set(m.stores.filter((x) => x.kind === kind).map((x) => x.name));
  return m.parts.filter((p) => names.has(p.store)).reduce((sum, p) => sum + partRowsPerDay(p, m, s), 0);
}

/** Queue operations a day: every message written, read and deleted (3 operations under 64 KB). */
export function queueOpsPerDay(m: Model, s: Scenario): number {
  return 3 * (s.mailsPerDay * m.eventsPerMail * m.queueMessagesPerEvent + s.mailsPerDay * m.sendMessagesPerMail);
}

export interface MonthlyCost {
  workers: number;
  d1: number;
  durableObjects: number;
  queues: number;
  r2: number;
  total: number;
}

const over = (used: number, included: number, per: number, unit = 1e6) => (Math.max(0, used - included) / unit) * per;

export function monthlyCost(m: Model, s: Scenario): MonthlyCost {
  const P = PRICES;
  const events = s.mailsPerDay * m.eventsPerMail * MONTH_DAYS;
  const sizes = storeSizes(m, s);
  const gb = (kind: StoreKind) => sizes.filter((x) => x.store.kind === kind).reduce((sum, x) => sum + x.bytes, 0) / GB;
  // Every SES event is a POST to /sns and every open and click a request to the edge: one request an event.
  const workers = P.workersBase + over(events, P.workersRequestsIncluded, P.workersPerMillionRequests);
  const reads = (kind: StoreKind) => over(events * m.rowsReadPerEvent[kind], P.rowsReadIncluded, P.perMillionRowsRead);
  const d1 =
    over(rowsWrittenPerDay(m, s, "d1") * MONTH_DAYS, P.rowsWrittenIncluded, P.perMillionRowsWritten) +
    reads("d1") +
    over(gb("d1"), P.d1StorageIncludedGb, P.d1PerGbMonth, 1);
  const doRequests = events * m.doRequestsPerEvent;
  const durableObjects =
    over(rowsWrittenPerDay(m, s, "do") * MONTH_DAYS, P.rowsWrittenIncluded, P.perMillionRowsWritten) +
    reads("do") +
    over(gb("do"), P.doStorageIncludedGb, P.doPerGbMonth, 1) +
    over(doRequests, P.doRequestsIncluded, P.doPerMillionRequests) +
    over(doRequests * m.doSecondsPerRequest * 0.128, P.doGbSecondsIncluded, P.doPerMillionGbSeconds);
  const queues = over(queueOpsPerDay(m, s) * MONTH_DAYS, P.queueOpsIncluded, P.queuePerMillionOps);
  const r2 = m.archive
    ? over((m.archive.bytesPerEvent * s.mailsPerDay * m.eventsPerMail * s.retentionDays) / GB, P.r2StorageIncludedGb, P.r2PerGbMonth, 1) +
      over(events / m.archive.eventsPerFile, P.r2ClassAIncluded, P.r2PerMillionClassA)
    : 0;
  return { workers, d1, durableObjects, queues, r2, total: workers + d1 + durableObjects + queues + r2 };
}

/** One limit: how much of it a scenario uses (1 = at the limit). Linear in the mail volume, so 1 / use × mails/day is where it binds. */
export interface LimitUse {
  limit: string;
  use: number;
}

export function limitUses(m: Model, s: Scenario): LimitUse[] {
  const uses: LimitUse[] = [];
  for (const x of storeSizes(m, s)) {
    // A sharded store grows its count instead: its limit is the count of objects, which has none.
    if (x.store.scope !== "shards") uses.push({ limit: `${x.store.name}: 10 GB`, use: x.bytesPerObject / LIMITS.storeBytes });
  }
  const batchesPerSecond = s.peakEventsPerSecond / m.eventsPerConsumerBatch;
  uses.push({ limit: "events queue: 5,000 messages/s", use: (s.peakEventsPerSecond * m.queueMessagesPerEvent) / LIMITS.queueMessagesPerSecond });
  uses.push({
    limit: "one object: 1,000 requests/s (a consumer batch calls the account guard, each campaign and each shard once)",
    use: batchesPerSecond / LIMITS.doRequestsPerSecond,
  });
  uses.push({ limit: "250 concurrent consumers", use: (batchesPerSecond * m.consumerBatchSeconds) / LIMITS.concurrentConsumers });
  if (m.d1EventsPerSecond) uses.push({ limit: "D1: one query at a time", use: s.peakEventsPerSecond / m.d1EventsPerSecond });
  return uses;
}

/** The limit reached at the lowest volume, and that volume (mails a day). */
export function firstLimit(m: Model, s: Scenario): { limit: string; mailsPerDay: number } {
  const [first] = limitUses(m, s).sort((a, b) => b.use - a.use);
  if (!first) throw new Error("a model without limits");
  return { limit: first.limit, mailsPerDay: s.mailsPerDay / first.use };
}
