// What human-or-machine classification costs the events consumer, inside workerd with the real local D1 and counters.
//
// Run by `npx tsx bench/classify-agreement.ts` (and so by `npm run bench`) through vitest.bench.config.ts; prints one
// line `BENCH_JSON {...}`. The events are the labelled set's opens and clicks (test/fixtures/machine/labelled.json)
// as the edge enqueues them: agent, full address, method, Accept, ASN. Variants, same events, rotated order:
// - classifyOnly: `classifyEvent` on every event (the four window verdicts of a click included), no I/O: the CPU
//   classification adds per event, read between anchored clocks over many passes (./timing.ts);
// - consumerWith: `applyEvents` in batches of 100 (send-time read, classification, D1 batch, counters);
// - consumerWithout: `storeAndCount` on the same batches unclassified (the consumer as it was before issue 14).
// And the edge's share: `eventFromToken(payload, requestFacts(request))` against reading the two headers it read
// before (agent and address), per call.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import labelledJson from "../../test/fixtures/machine/labelled.json";
import type { LabelledSet } from "../../test/support/machine-agreement";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents, storeAndCount } from "../../src/pipeline/apply";
import { classifyEvent } from "../../src/pipeline/classify";
import { database } from "../../src/db/client";
import { firstSendTimes } from "../../src/db/send-times";
import { eventFromToken, requestFacts } from "../../src/tracking/edge-event";
import { HONEYPOT_LINK_INDEX } from "../../src/tracking/honeypot";
import { benchLine, iterationsFor, rotated, timeIterations } from "./timing";

const EVENTS = 2000;
const RUNS = 5;
const BATCH = 100;
const TARGET_MS = 600;

const cases = (labelledJson as unknown as LabelledSet).cases;

/** The labelled requests as queued events of one campaign per variant and run, cycling through 250 contacts. */
function events(prefix: string): TrackingEvent[] {
  return Array.from({ length: EVENTS }, (_, i) => {
    const f = cases[i % cases.length]!.facts;
    const honeypot = f.link === "honeypot";
    return {
      id: `${prefix}-${i}`,
      type: f.kind,
      campaignId: `${prefix}-bench`,
      contactId: `reader${i % 250}@example.com`,
      email: `reader${i % 250}@example.com`,
      sesMessageId: null,
      occurredAt: 1_700_000_000_000 + i * 50,
      link: f.kind === "click" ? `https://shop.example.com/item/${i % 7}` : null,
      linkIndex: f.kind === "click" ? (honeypot ? HONEYPOT_LINK_INDEX : i % 7) : null,
      userAgent: f.userAgent,
      ip: f.ip,
      request: { method: f.method, accept: f.accept, asn: f.asn },
      metadata: null,
    };
  });
}

async function stored(prefix: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE id LIKE ?").bind(`${prefix}-%`).first<{ n: number }>();
  return row?.n ?? 0;
}

async function inBatches(list: TrackingEvent[], apply: (batch: TrackingEvent[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < list.length; i += BATCH) await apply(list.slice(i, i + BATCH));
}

const CONSUMER: Record<string, (list: TrackingEvent[]) => Promise<void>> = {
  consumerWith: (list) => inBatches(list, (b) => applyEvents(env, b)),
  consumerWithout: (list) => inBatches(list, (b) => storeAndCount(env, b)),
};

it(`classification: ${EVENTS} events x ${RUNS} runs`, { timeout: 600_000 }, async () => {
  const sample = events("probe");
  // Proof that the timed work is the real work: every open and click gets a verdict, clicks their window verdicts.
  const classified = sample.map((e) => classifyEvent(e, e.occurredAt - 60_000));
  expect(classified.every((e) => typeof e.machineReason === "string")).toBe(true);
  expect(classified.filter((e) => e.clickWindow).length).toBeGreaterThan(EVENTS / 4);

  const classifyPass = async () => {
    for (const e of sample) classifyEvent(e, e.occurredAt - 60_000);
  };
  const request = new Request("https://track.example.com/o/x.gif", {
    headers: { "user-agent": cases[0]!.facts.userAgent!, "cf-connecting-ip": "203.0.113.7", accept: "image/*" },
  });
  const payload = { kind: "open" as const, campaignId: "c", contact: "ann@example.com" };
  const edgePass = async () => {
    for (let i = 0; i < 1000; i++) eventFromToken(payload, requestFacts(request), "open:bench");
  };
  const headersPass = async () => {
    for (let i = 0; i < 1000; i++)
      eventFromToken(
        payload,
        {
          userAgent: request.headers.get("user-agent"),
          ip: request.headers.get("cf-connecting-ip"),
          now: Date.now(),
          signals: { method: "GET", accept: null, asn: null },
        },
        "open:bench",
      );
  };
  const passes = {
    classify: await iterationsFor(TARGET_MS, classifyPass),
    edge: await iterationsFor(TARGET_MS, edgePass),
    headers: await iterationsFor(TARGET_MS, headersPass),
  };

  const microsPerEvent: Record<string, number[]> = { classifyOnly: [], edgeFacts: [], edgeHeadersOnly: [] };
  const msPerEvent: Record<string, number[]> = { consumerWith: [], consumerWithout: [] };
  // The one D1 read classification adds per batch: the recipients' send times.
  const recipients = sample.slice(0, BATCH).map((e) => ({ campaignId: e.campaignId!, contactId: e.contactId! }));
  const sendTimeReadMsPerBatch: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    microsPerEvent.classifyOnly!.push(((await timeIterations(passes.classify, classifyPass)) * 1000) / (passes.classify * EVENTS));
    microsPerEvent.edgeFacts!.push(((await timeIterations(passes.edge, edgePass)) * 1000) / (passes.edge * 1000));
    microsPerEvent.edgeHeadersOnly!.push(((await timeIterations(passes.headers, headersPass)) * 1000) / (passes.headers * 1000));
    sendTimeReadMsPerBatch.push((await timeIterations(20, () => firstSendTimes(database(env.DB), recipients))) / 20);
    for (const name of rotated(Object.keys(CONSUMER), run)) {
      const prefix = `${name}-r${run}-${crypto.randomUUID().slice(0, 6)}`;
      const list = events(prefix);
      const ms = await timeIterations(1, () => CONSUMER[name]!(list));
      expect(await stored(prefix)).toBe(EVENTS);
      msPerEvent[name]!.push(ms / EVENTS);
    }
  }
  benchLine("classification", { events: EVENTS, runs: RUNS, batch: BATCH, passes, microsPerEvent, msPerEvent, sendTimeReadMsPerBatch });
});
