// Pipeline throughput inside workerd with the real local D1: the consumer's batched path versus one write per event.
//
// Run by `npm run bench` through vitest.bench.config.ts (never by `npm test`). Prints one line
// `BENCH_JSON {...}` that bench/workerd.ts reads. Time is read just after awaited D1 work (see ./timing.ts): whether or
// not the runtime moves its clock while JavaScript runs, each figure is the wall time of the D1 round trips plus the
// CPU between them.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../src/index";
import { database } from "../../src/db/client";
import { insertEventStatements } from "../../src/db/events";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { benchLine } from "./timing";

const EVENTS = 2000;
const RUNS = 5;
const TYPES = ["open", "click", "open", "delivery", "send"] as const;

/** The same events for every variant; only the id prefix differs so each variant really inserts. */
function events(prefix: string): TrackingEvent[] {
  return Array.from({ length: EVENTS }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: TYPES[i % TYPES.length]!,
    campaignId: `${prefix.split("-")[0]}-bench`,
    contactId: `reader${i % 500}@example.com`,
    email: `reader${i % 500}@example.com`,
    sesMessageId: null,
    occurredAt: 1_700_000_000_000 + i,
    link: i % 5 === 1 ? `https://shop.example.com/item/${i}` : null,
    linkIndex: i % 5 === 1 ? i % 7 : null,
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    ip: "198.51.100.7",
    metadata: null,
  }));
}

async function stored(prefix: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE id LIKE ?").bind(`${prefix}-%`).first<{ n: number }>();
  return row?.n ?? 0;
}

type Variant = (list: TrackingEvent[]) => Promise<void>;

const VARIANTS: Record<string, Variant> = {
  /** The real consumer: batches of 100 queue messages (one event each, as the edge sends them) through worker.queue. */
  consumerBatched: async (list) => {
    for (let i = 0; i < list.length; i += 100) {
      const batch = createMessageBatch(
        EVENTS_QUEUE,
        list.slice(i, i + 100).map((e) => ({ id: `m-${e.id}`, timestamp: new Date(), attempts: 1, body: envelope([e]) })),
      );
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      if (result.retryMessages.length) throw new Error("batch not stored");
    }
  },
  /** applyEvents once per event: what a consumer without batching would do (one D1 batch per event). */
  applyPerEvent: async (list) => {
    for (const e of list) await applyEvents(env, [e]);
  },
  /** The cheapest unbatched write: one INSERT statement per event, nothing else. */
  insertPerEvent: async (list) => {
    for (const e of list) await insertEventStatements(database(env.DB), [e])[0]!.run();
  },
};

it(`pipeline: ${EVENTS} events x ${RUNS} runs per variant`, { timeout: 600_000 }, async () => {
  const results: Record<string, number[]> = {};
  for (let run = 0; run < RUNS; run++) {
    // Rotate the order each run so no variant always goes first (warm-up, database growth).
    const names = Object.keys(VARIANTS);
    const order = names.map((_, i) => names[(i + run) % names.length]!);
    for (const name of order) {
      const prefix = `${name}-r${run}`;
      const list = events(prefix);
      const started = Date.now();
      await VARIANTS[name]!(list);
      const seconds = (Date.now() - started) / 1000;
      // Proof that the figure is for work done: every event is in D1.
      expect(await stored(prefix)).toBe(EVENTS);
      (results[name] ??= []).push(EVENTS / Math.max(seconds, 0.001));
    }
  }
  benchLine("pipeline", { events: EVENTS, runs: RUNS, eventsPerSecond: results });
});
