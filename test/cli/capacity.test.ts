// The capacity model's arithmetic (bench/capacity-model.ts), against figures computed by hand.
import { describe, expect, it } from "vitest";
import {
  firstLimit,
  limitUses,
  monthlyCost,
  partBytes,
  queueOpsPerDay,
  rowsWrittenPerDay,
  scenarioFor,
  storeSizes,
  type Model,
  type Scenario,
} from "../../bench/capacity-model.ts";
import { shardRowsPerEvent } from "../../bench/capacity-inputs.ts";
import { replaceSection } from "../../bench/capacity.ts";

/** One D1 database holding 100 B and writing 2 rows an event (2 more when it expires); 2 events a mail. */
const model: Model = {
  name: "hand",
  eventsPerMail: 2,
  stores: [
    { name: "D1", kind: "d1", scope: "deployment" },
    { name: "shards", kind: "do", scope: "shards" },
  ],
  parts: [
    { store: "D1", what: "events", per: "event", bytes: 100, keptDays: null, rowsWritten: 2, rowsAtExpiry: 2, source: "measured" },
    { store: "shards", what: "people", per: "contact", bytes: 50, keptDays: null, rowsWritten: 0, rowsAtExpiry: 0, source: "target" },
    { store: "shards", what: "ids for 30 days", per: "mail", bytes: 10, keptDays: 30, rowsWritten: 1, rowsAtExpiry: 1, source: "target" },
  ],
  queueMessagesPerEvent: 1,
  sendMessagesPerMail: 1,
  eventsPerConsumerBatch: 100,
  consumerBatchSeconds: 1,
  doRequestsPerEvent: 0,
  rowsReadPerEvent: { d1: 500, do: 0 },
  doSecondsPerRequest: 0,
  d1EventsPerSecond: 1_000,
  archive: null,
  shardBytes: 4e9,
  minShards: 2,
};
const scenario: Scenario = { mailsPerDay: 1e6, retentionDays: 100, contacts: 1e8, peakEventsPerSecond: 100 };

describe("capacity model", () => {
  it("sizes each store at retention: per event × events a day × days kept (never past retention), per contact × contacts", () => {
    // 100 B × 2e6 events/day × 100 days = 20 GB.
    expect(partBytes(model.parts[0]!, model, scenario)).toBe(20e9);
    // 10 B × 1e6 mails/day × 30 days = 300 MB; with 10 days of retention only 10 days are kept: 100 MB.
    expect(partBytes(model.parts[2]!, model, scenario)).toBe(300e6);
    expect(partBytes(model.parts[2]!, model, { ...scenario, retentionDays: 10 })).toBe(100e6);
    // Shards: 50 B × 1e8 contacts + 300 MB = 5.3 GB; at most 4 GB a shard: ceil(1.325) = 2 shards of 2.65 GB.
    const shards = storeSizes(model, scenario).find((s) => s.store.name === "shards")!;
    expect(shards.bytes).toBe(5.3e9);
    expect(shards.objects).toBe(2);
    expect(shards.bytesPerObject).toBe(2.65e9);
    // 9.3 GB would need 3 (and a small store still gets minShards).
    expect(storeSizes(model, { ...scenario, contacts: 1.8e8 }).find((s) => s.store.name === "shards")!.objects).toBe(3);
    expect(storeSizes(model, { ...scenario, contacts: 0 }).find((s) => s.store.name === "shards")!.objects).toBe(2);
  });

  it("counts rows written a day as arrivals and expiries, and 3 queue operations a message", () => {
    // D1: 2e6 events × (2 + 2) = 8e6; Durable Objects: 1e6 mails × (1 + 1) = 2e6.
    expect(rowsWrittenPerDay(model, scenario, "d1")).toBe(8e6);
    expect(rowsWrittenPerDay(model, scenario, "do")).toBe(2e6);
    // 3 × (2e6 event messages + 1e6 send messages).
    expect(queueOpsPerDay(model, scenario)).toBe(9e6);
  });

  it("prices a month of 30 days after each allowance", () => {
    const c = monthlyCost(model, scenario);
    // Workers: 6e7 requests − 1e7 included = 50 × $0.30, plus $5.
    expect(c.workers).toBeCloseTo(20, 6);
    // D1: 2.4e8 rows − 5e7 = 190 × $1.00; 6e7 events × 500 = 3e10 rows read − 2.5e10 = 5e3 × $0.001; 20 GB − 5 GB =
    // 15 × $0.75.
    expect(c.d1).toBeCloseTo(190 + 5 + 11.25, 6);
    // Durable Objects: 6e7 rows − 5e7 = 10 × $1.00; 5.3 GB − 5 GB = 0.3 × $0.20.
    expect(c.durableObjects).toBeCloseTo(10 + 0.06, 6);
    // Queues: 2.7e8 operations − 1e6 = 269 × $0.40.
    expect(c.queues).toBeCloseTo(107.6, 6);
    expect(c.r2).toBe(0);
    expect(c.total).toBeCloseTo(20 + 206.25 + 10.06 + 107.6, 6);
  });

  it("names the limit reached first and the volume it is reached at", () => {
    const uses = Object.fromEntries(limitUses(model, scenario).map((u) => [u.limit, u.use]));
    // D1 holds 20 GB of 10; the queue takes 100 of 5,000/s; D1 on the event path 100 of 1,000 events/s; one
    // consumer batch a second (100 events/s ÷ 100) of 1 s each needs 1 of 250 consumers.
    expect(uses["D1: 10 GB"]).toBe(2);
    expect(uses["events queue: 5,000 messages/s"]).toBe(0.02);
    expect(uses["D1: one query at a time"]).toBe(0.1);
    expect(uses["250 concurrent consumers"]).toBe(1 / 250);
    expect(firstLimit(model, scenario)).toEqual({ limit: "D1: 10 GB", mailsPerDay: 500_000 });
  });

  it("scales bursts from the design point: 10,000 events/s at 10M mails a day", () => {
    expect(scenarioFor(10e6, 2.35).peakEventsPerSecond).toBeCloseTo(10_000, 6);
    expect(scenarioFor(1e6, 2.35).peakEventsPerSecond).toBeCloseTo(1_000, 6);
    expect(scenarioFor(10e6, 2.35).contacts).toBe(50e6);
  });

  it("counts a shard's rows for the mix: a mail row (2), its delivery or bounce (1), opens and clicks (2 each)", () => {
    // (2 + 1 + 2 × 0.35) / 2.35 = 3.7 / 2.35.
    expect(shardRowsPerEvent({ send: 1, delivery: 0.98, bounce: 0.02, open: 0.3, click: 0.05 }, 2.35)).toBeCloseTo(3.7 / 2.35, 9);
  });

  it("rewrites only the marked section", () => {
    const doc = "a\n<!-- capacity:begin -->\nold\n<!-- capacity:end -->\nb\n";
    expect(replaceSection(doc, "<!-- capacity:begin -->new<!-- capacity:end -->")).toBe("a\n<!-- capacity:begin -->new<!-- capacity:end -->\nb\n");
    expect(() => replaceSection("no markers", "x")).toThrow(/capacity:begin/);
  });
});
