// The two capacity models' inputs for docs/SCALE.md: today's schema from the storage bench's measured figures
// (bench/results/storage.json), and the target design's figures until its build measures its own.
import type { Model, Part } from "./capacity-model.ts";
import type { StorageResults } from "./storage-results.ts";

type Btrees = StorageResults["stores"]["d1"]["btrees"];
const pick = (b: Btrees, match: (name: string) => boolean, k: "bytesPerEvent" | "entriesPerEvent") =>
  Object.entries(b)
    .filter(([name]) => match(name))
    .reduce((s, [, t]) => s + t[k], 0);

const isEvents = (n: string) => n.startsWith("events") || n === "sqlite_autoindex_events_1";
const isApplied = (n: string) => n.includes("applied");
const isWindow = (n: string) => n.includes("click_window");
const isSets = (n: string) => n === "firsts" || n === "link_contacts";

/** Today's D1: the events, the suppressions, the send claims (per sent mail). */
function todayD1Parts(r: StorageResults): Part[] {
  const { d1 } = r.stores;
  return [
    {
      store: "D1",
      what: "events, primary key and 6 indexes",
      per: "event",
      bytes: pick(d1.btrees, isEvents, "bytesPerEvent"),
      keptDays: null,
      rowsWritten: d1.rowsWrittenPerEvent,
      rowsAtExpiry: pick(d1.btrees, isEvents, "entriesPerEvent"),
      source: "measured",
    },
    {
      store: "D1",
      what: "suppressions and their history",
      per: "event",
      bytes: pick(d1.btrees, (n) => n.includes("suppression"), "bytesPerEvent"),
      keptDays: null,
      rowsWritten: 0,
      rowsAtExpiry: 0,
      source: "measured",
    },
    {
      store: "D1",
      what: "send claims (deliveries, jobs, idempotency)",
      per: "mail",
      bytes: r.sends.d1.bytesPerEvent,
      keptDays: null,
      rowsWritten: r.sends.d1.rowsWrittenPerEvent,
      rowsAtExpiry: r.sends.d1.entriesPerEvent,
      source: "measured",
    },
  ];
}

/** Today's Durable Objects: what CampaignStats keeps per campaign, what AccountGuard keeps for a day. */
function todayObjectParts(r: StorageResults): Part[] {
  const { campaignStats: cs, accountGuard: guard } = r.stores;
  return [
    {
      store: "CampaignStats",
      what: "applied event ids (30 days)",
      per: "event",
      bytes: pick(cs.btrees, isApplied, "bytesPerEvent"),
      keptDays: 30,
      rowsWritten: cs.rowsWrittenPerEvent,
      rowsAtExpiry: pick(cs.btrees, isApplied, "entriesPerEvent"),
      source: "measured",
    },
    {
      store: "CampaignStats",
      what: "click window (1 hour)",
      per: "event",
      bytes: pick(cs.btrees, isWindow, "bytesPerEvent"),
      keptDays: 1 / 24,
      rowsWritten: 0,
      rowsAtExpiry: pick(cs.btrees, isWindow, "entriesPerEvent"),
      source: "measured",
    },
    {
      store: "CampaignStats",
      what: "unique and per-link sets per person (never pruned)",
      per: "event",
      bytes: pick(cs.btrees, isSets, "bytesPerEvent"),
      keptDays: null,
      rowsWritten: 0,
      rowsAtExpiry: 0,
      source: "measured",
    },
    {
      store: "CampaignStats",
      what: "counters, hours, links",
      per: "event",
      bytes: pick(cs.btrees, (n) => !isApplied(n) && !isWindow(n) && !isSets(n), "bytesPerEvent"),
      keptDays: null,
      rowsWritten: 0,
      rowsAtExpiry: 0,
      source: "measured",
    },
    {
      store: "AccountGuard",
      what: "seen ids and minutes (24 hours)",
      per: "event",
      bytes: guard.bytesPerEvent,
      keptDays: 1,
      rowsWritten: guard.rowsWrittenPerEvent,
      rowsAtExpiry: pick(guard.btrees, (n) => n.includes("seen"), "entriesPerEvent"),
      source: "measured",
    },
  ];
}

/** Today's schema, every figure measured by the storage bench (two marked assumed). */
export function todayModel(r: StorageResults, d1EventsPerSecond: number): Model {
  const { d1, campaignStats: cs, accountGuard: guard } = r.stores;
  const parts = [...todayD1Parts(r), ...todayObjectParts(r)];
  return {
    name: "today (measured)",
    eventsPerMail: r.eventsPerMail,
    stores: [
      { name: "D1", kind: "d1", scope: "deployment" },
      { name: "CampaignStats", kind: "do", scope: "campaign" },
      { name: "AccountGuard", kind: "do", scope: "deployment" },
    ],
    parts,
    queueMessagesPerEvent: r.queues.eventMessagesPerEvent,
    sendMessagesPerMail: r.sends.queueMessagesPerMail,
    eventsPerConsumerBatch: 100,
    consumerBatchSeconds: 100 / d1EventsPerSecond,
    // A consumer batch calls the account guard and each campaign in it once: about 2 of them a batch (assumed).
    doRequestsPerEvent: 3 / 100,
    rowsReadPerEvent: { d1: d1.rowsReadPerEvent, do: cs.rowsReadPerEvent + guard.rowsReadPerEvent },
    doSecondsPerRequest: 0.005,
    d1EventsPerSecond,
    archive: null,
    shardBytes: 4e9,
    minShards: 1,
  };
}

/** Rows a mail's events write in a contact shard: a mail row for send (row + index), delivery and bounce update it, opens and clicks are rows with one index. */
export function shardRowsPerEvent(mix: StorageResults["mix"], eventsPerMail: number): number {
  return (2 * mix.send + (mix.delivery + mix.bounce) + 2 * (mix.open + mix.click)) / eventsPerMail;
}

/** The target design's contact shards: events, the outbox, people and send claims. */
function targetShardParts(r: StorageResults): Part[] {
  return [
    {
      store: "contact shards",
      what: "events (compact rows, one index)",
      per: "event",
      bytes: 141,
      keptDays: null,
      rowsWritten: shardRowsPerEvent(r.mix, r.eventsPerMail),
      rowsAtExpiry: 0,
      source: "target",
    },
    {
      store: "contact shards",
      what: "outbox in the state row (1 row a shard batch: 6 events at 10M mails a day)",
      per: "event",
      bytes: 0,
      keptDays: null,
      rowsWritten: 0.17,
      rowsAtExpiry: 0,
      source: "target",
    },
    {
      store: "contact shards",
      what: "people: identity, summary, suppression",
      per: "contact",
      bytes: 76,
      keptDays: null,
      rowsWritten: 0,
      rowsAtExpiry: 0,
      source: "target",
    },
    {
      store: "contact shards",
      what: "send claims (until redelivery cannot reach them: 15 days)",
      per: "mail",
      bytes: 120,
      keptDays: 15,
      rowsWritten: 2,
      rowsAtExpiry: 1,
      source: "assumed",
    },
  ];
}

/** The target design outside the shards: counters and minutes folded per batch, the click window, D1's per-request rows. */
function targetOtherParts(r: StorageResults): Part[] {
  const cs = r.stores.campaignStats;
  const window = pick(cs.btrees, (n) => n.includes("click_window"), "bytesPerEvent");
  return [
    {
      store: "CampaignStats",
      what: "counters folded per consumer batch",
      per: "event",
      bytes: 0,
      keptDays: null,
      rowsWritten: 0.15,
      rowsAtExpiry: 0,
      source: "target",
    },
    {
      store: "CampaignStats",
      what: "click window (1 hour)",
      per: "event",
      bytes: window,
      keptDays: 1 / 24,
      rowsWritten: 0,
      rowsAtExpiry: pick(cs.btrees, (n) => n.includes("click_window"), "entriesPerEvent"),
      source: "measured",
    },
    {
      store: "AccountGuard",
      what: "minutes, folded per consumer batch",
      per: "event",
      bytes: 0,
      keptDays: 1,
      rowsWritten: 0.001,
      rowsAtExpiry: 0,
      source: "target",
    },
    {
      store: "D1",
      what: "jobs, webhooks, idempotency records (per request, not per event)",
      per: "mail",
      bytes: 0,
      keptDays: null,
      rowsWritten: 0,
      rowsAtExpiry: 0,
      source: "target",
    },
  ];
}

/** The target design: figures from research/storage.md's compact schema and the design's row budget, until measured. */
export function targetModel(r: StorageResults): Model {
  const parts = [...targetShardParts(r), ...targetOtherParts(r)];
  return {
    name: "target design",
    eventsPerMail: r.eventsPerMail,
    stores: [
      { name: "D1", kind: "d1", scope: "deployment" },
      { name: "CampaignStats", kind: "do", scope: "campaign" },
      { name: "AccountGuard", kind: "do", scope: "deployment" },
      { name: "contact shards", kind: "do", scope: "shards" },
    ],
    parts,
    queueMessagesPerEvent: 1 / 20,
    sendMessagesPerMail: r.sends.queueMessagesPerMail,
    eventsPerConsumerBatch: 2_000,
    consumerBatchSeconds: 0.5,
    // A batch of 2,000 events reaches up to 256 shards, about 20 campaigns and the guard (assumed).
    doRequestsPerEvent: 277 / 2_000,
    // Key-prefix seeks: dedupe, the uniqueness check, the mail row a delivery updates (assumed).
    rowsReadPerEvent: { d1: 0, do: 3 },
    doSecondsPerRequest: 0.005,
    d1EventsPerSecond: null,
    archive: { bytesPerEvent: 100, eventsPerFile: 10_000 },
    shardBytes: 4e9,
    minShards: 8,
  };
}
