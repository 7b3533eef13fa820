// `npm run load`: tens of thousands of pixel and click requests and thousands of signed SNS notifications (a
// share of them replayed) at a local worker, all at once; afterwards D1 must hold exactly one event per valid request
// and per distinct notification, per campaign and type, nothing from the invalid ones, and every campaign's counters
// (GET /api/campaigns/<id>/stats) must equal the counts recomputed from D1.
//
// The worker fetches its SNS signing certificate for real; the run serves a test certificate on that URL through
// miniflare's outboundService (bench/intercepted-worker.ts), so verification is the production code, unchanged.
//
// Environment: LOAD_REQUESTS (default 50000), LOAD_SNS (default 5000), LOAD_SNS_REPLAY (default 0.2),
// LOAD_CONCURRENCY (default 64). Loopback only; stops by itself.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { COUNTS_FROM_D1_SQL, countsByCampaign, type CampaignCountsRow } from "../test/support/d1-counts.ts";
import { sameCounts, storedCounts, total, waitForDrain } from "./drain.ts";
import { fire } from "./fire.ts";
import { type Consumed, consumedCounter } from "./consumed.ts";
import { startInterceptedWorker } from "./intercepted-worker.ts";
import type { LocalWorker } from "./local-worker.ts";
import { renderReport } from "./report.ts";
import { readSnsIngest } from "./sns-ingest-results.ts";
import { readStorage } from "./storage-results.ts";
import { addCounts, planNotifications } from "../test/support/sns-traffic.ts";
import { expectedCounts, mintTokenSet, planRequests } from "../test/support/traffic.ts";
import type { Counts } from "../src/stats/counting.ts";
import { readFixtureFile } from "../test/support/fixture-files.ts";
import { createTestSigner } from "../test/support/sns-signer.ts";
import { TEST_API_TOKEN } from "../test/support/secrets.ts";

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 50_000);
const NOTIFICATIONS = Number(process.env.LOAD_SNS ?? 5_000);
const REPLAY_SHARE = Number(process.env.LOAD_SNS_REPLAY ?? 0.2);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 64);
const CAMPAIGNS = 20;
const CONTACTS = 100;
const RESULTS = path.resolve(import.meta.dirname, "results");

/** POST every body to /sns, `concurrency` at a time; every answer must be 200 enqueued or duplicate. */
/** A results file of an earlier run, when there is one (the report keeps its section rather than dropping it). */
function readJsonIfAny<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
}

async function postNotifications(origin: string, bodies: readonly string[], concurrency: number) {
  const result = { enqueued: 0, duplicate: 0, wrong: [] as string[], failed: 0, seconds: 0 };
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      try {
        const response = await fetch(`${origin}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body });
        const text = await response.text();
        const status = response.status === 200 ? (JSON.parse(text) as { status?: string }).status : undefined;
        if (status === "enqueued") result.enqueued++;
        else if (status === "duplicate") result.duplicate++;
        else if (result.wrong.push(`${response.status} ${text.slice(0, 200)}`) > 20) result.wrong.length = 20;
      } catch {
        result.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

type Served = { opens: Record<string, number>; clicks: Record<string, number>; bounces: Record<string, number> } & Record<string, number>;

/** The counters in a stats answer (GET /api/campaigns/<id>/stats), named and ordered as in Counts. */
function servedCounts(s: Served): Omit<Counts, "unsubscribeEvents"> {
  return {
    sent: s.sent,
    delivered: s.delivered,
    rejected: s.rejected,
    bouncesHard: s.bounces.hard!,
    bouncesSoft: s.bounces.soft!,
    complaints: s.complaints,
    deliveryDelays: s.deliveryDelays,
    renderingFailures: s.renderingFailures,
    subscriptionChanges: s.subscriptionChanges,
    unsubscribes: s.unsubscribes,
    opens: s.opens.total!,
    opensUnique: s.opens.unique!,
    opensMachine: s.opens.machine!,
    opensSes: s.opens.ses!,
    clicks: s.clicks.total!,
    clicksUnique: s.clicks.unique!,
    clicksMachine: s.clicks.machine!,
    clicksSes: s.clicks.ses!,
  } as Omit<Counts, "unsubscribeEvents">;
}

/**
 * Every campaign's counters, read through GET /api/campaigns/<id>/stats, against the counts recomputed from D1
 * (test/support/d1-counts.ts) turned into the same answer. The counters follow D1 within the same consumer pass, so
 * the comparison is repeated for a while before a difference counts as one.
 */
async function countersMatchD1(worker: LocalWorker, prefix: string, campaigns: number): Promise<{ checked: number; mismatches: string[] }> {
  if (!/^[A-Za-z0-9-]+$/.test(prefix)) throw new Error(`unsafe campaign prefix ${prefix}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await worker.query<CampaignCountsRow>(COUNTS_FROM_D1_SQL.replace("?1", `'${prefix}'`));
    const mismatches: string[] = [];
    for (const [campaignId, counts] of countsByCampaign(rows)) {
      const response = await fetch(`${worker.origin}/api/campaigns/${encodeURIComponent(campaignId)}/stats`, {
        headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
      });
      const { unsubscribeEvents: _notServed, ...rest } = counts;
      const keys = Object.keys(rest).sort();
      const served =
        response.status === 200 ? JSON.stringify(servedCounts(await response.json()), keys) : `${response.status} ${await response.text()}`;
      const fromD1 = JSON.stringify(rest, keys);
      if (response.status !== 200 || served !== fromD1) mismatches.push(`${campaignId}: served ${served}, from D1 ${fromD1}`);
    }
    if (rows.length !== campaigns) mismatches.push(`expected ${campaigns} campaigns in D1, found ${rows.length}`);
    if (mismatches.length === 0 || Date.now() > deadline) return { checked: rows.length, mismatches };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Events per queue message, all told and the edge's alone: each enqueued SNS notification is one message of its own
 * (its route awaits the send to answer 5xx on failure), so the edge's share is what is left of the consumer's totals.
 */
function queuePacking(c: Consumed, snsMessages: number, snsDistinct: number, snsExpected: Map<string, number>) {
  // A notification replayed past the route's dedupe is enqueued again, with its events.
  const snsEvents = Math.round((total(snsExpected) * snsMessages) / Math.max(1, snsDistinct));
  const per = (events: number, messages: number) => (messages > 0 ? Number((events / messages).toFixed(1)) : null);
  return {
    batches: c.batches,
    messages: c.messages,
    events: c.events,
    retried: c.failed,
    eventsPerMessage: per(c.events, c.messages),
    edgeMessages: c.messages - snsMessages,
    edgeEvents: c.events - snsEvents,
    edgeEventsPerMessage: per(c.events - snsEvents, c.messages - snsMessages),
  };
}

const log = (line: string) => console.log(`[load] ${line}`);
// A hard stop: the run ends by itself whatever happens to the local worker.
setTimeout(() => {
  console.error("[load] took longer than 15 minutes; giving up");
  process.exit(2);
}, 15 * 60_000).unref();
const runId = `load-${Date.now().toString(36)}`;
const signer = await createTestSigner();
/** What the worker fetched from outside: only the test certificate URL is answered. */
const outbound: string[] = [];
/** What the events consumer received (its log line a batch): events per queue message. */
const consumed = consumedCounter();
const worker = await startInterceptedWorker({
  log,
  onWorkerLog: consumed.onWorkerLog,
  outbound: (request) => {
    outbound.push(request.url);
    return request.url === signer.certUrl ? new Response(signer.certificatePem) : new Response("not reachable from a load run", { status: 502 });
  },
});
let passed = false;
try {
  const set = await mintTokenSet({ runId, campaigns: CAMPAIGNS, contactsPerCampaign: CONTACTS });
  const plan = planRequests(set, REQUESTS);
  const campaigns = Array.from({ length: CAMPAIGNS }, (_, c) => `${runId}-c${c}`);
  const snsPlan = await planNotifications({
    signer,
    fixture: readFixtureFile,
    campaigns,
    contactsPerCampaign: CONTACTS,
    count: NOTIFICATIONS,
    replayShare: REPLAY_SHARE,
  });
  log(
    `firing ${plan.length} requests (${set.opens.length} open and ${set.clicks.length} click tokens, ${set.invalid.length} invalid variants), ${CONCURRENCY} at a time, and ${snsPlan.bodies.length} SNS notifications (${snsPlan.unique} distinct, ${snsPlan.replayed} replayed), 16 at a time`,
  );
  const [fired, sns] = await Promise.all([fire(worker.origin, plan, CONCURRENCY), postNotifications(worker.origin, snsPlan.bodies, 16)]);
  log(
    `answered as planned: ${fired.answered.length}; wrong answers: ${fired.wrongCount}; no answer: ${fired.failed}; ${fired.seconds.toFixed(1)} s (${(plan.length / fired.seconds).toFixed(0)} req/s)`,
  );
  for (const w of fired.wrong.slice(0, 5)) log(`  wrong: ${JSON.stringify(w)}`);
  log(
    `SNS: enqueued ${sns.enqueued}, duplicate ${sns.duplicate}, wrong ${sns.wrong.length}, no answer ${sns.failed}; ${sns.seconds.toFixed(1)} s (${(snsPlan.bodies.length / sns.seconds).toFixed(0)} notifications/s); outbound fetches: ${outbound.length} (${[...new Set(outbound)].join(", ")})`,
  );
  for (const w of sns.wrong.slice(0, 5)) log(`  wrong SNS answer: ${w}`);

  const expected = addCounts(expectedCounts(fired.answered), snsPlan.expected);
  log(`waiting for the queue to drain: expecting ${total(expected)} events in ${expected.size} campaign/type groups`);
  const polled = await waitForDrain(worker, runId, expected);
  // The verdict is read through D1's own tooling, not only the direct file reads used for polling.
  const drained = { ...polled, stored: await storedCounts(worker, runId, "wrangler") };
  drained.exact = sameCounts(drained.stored, expected);
  const deadLetters = await worker.queryWithWrangler<{ n: number }>("SELECT count(*) AS n FROM dead_letters");
  const counters = await countersMatchD1(worker, runId, CAMPAIGNS);

  const mismatches = [...new Set([...expected.keys(), ...drained.stored.keys()])]
    .filter((k) => expected.get(k) !== drained.stored.get(k))
    .map((k) => `${k}: expected ${expected.get(k) ?? 0}, stored ${drained.stored.get(k) ?? 0}`);
  const snsOk =
    sns.wrong.length === 0 &&
    sns.failed === 0 &&
    sns.enqueued + sns.duplicate === snsPlan.bodies.length &&
    outbound.every((u) => u === signer.certUrl);
  passed = fired.wrongCount === 0 && fired.failed === 0 && snsOk && drained.exact && deadLetters[0]?.n === 0 && counters.mismatches.length === 0;

  const queue = queuePacking(consumed.totals(), sns.enqueued, snsPlan.unique, snsPlan.expected);
  const summary = {
    date: new Date().toISOString(),
    requests: plan.length,
    concurrency: CONCURRENCY,
    validRequests: plan.filter((r) => r.expect.kind !== "invalid").length,
    invalidRequests: plan.filter((r) => r.expect.kind === "invalid").length,
    snsSent: snsPlan.bodies.length,
    snsDistinct: snsPlan.unique,
    snsReplayed: snsPlan.replayed,
    snsEnqueued: sns.enqueued,
    snsDuplicate: sns.duplicate,
    snsWrong: sns.wrong.length + sns.failed,
    snsSeconds: Number(sns.seconds.toFixed(2)),
    outboundFetches: outbound.length,
    answeredAsPlanned: fired.answered.length,
    wrongAnswers: fired.wrongCount,
    noAnswer: fired.failed,
    fireSeconds: Number(fired.seconds.toFixed(2)),
    expectedEvents: total(expected),
    storedEvents: total(drained.stored),
    exact: drained.exact,
    drainSecondsAfterLastAnswer: Number(drained.seconds.toFixed(1)),
    deadLetters: deadLetters[0]?.n ?? null,
    queue,
    countersChecked: counters.checked,
    counterMismatches: counters.mismatches.slice(0, 20),
    mismatches: mismatches.slice(0, 20),
    passed,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, "load-latest.json"), `${JSON.stringify(summary, null, 2)}\n`);
  // docs/BENCHMARKS.md shows the latest load run beside the latest benchmark numbers (which are not re-measured).
  const bench = path.join(RESULTS, "latest.json");
  if (existsSync(bench) && !process.env.BENCH_NO_DOC) {
    writeFileSync(
      path.resolve(RESULTS, "..", "..", "docs", "BENCHMARKS.md"),
      renderReport(
        JSON.parse(readFileSync(bench, "utf8")),
        summary,
        readJsonIfAny(path.join(RESULTS, "classify-agreement.json")),
        readSnsIngest(),
        readStorage(),
      ),
    );
  }
  log(
    `stored ${summary.storedEvents} of ${summary.expectedEvents} expected events; exact: ${drained.exact}; dead letters: ${summary.deadLetters}; drained ${summary.drainSecondsAfterLastAnswer} s after the last answer`,
  );
  log(
    `the consumer received ${queue.messages} messages carrying ${queue.events} events: ${queue.eventsPerMessage} a message; from the edge ${queue.edgeMessages} messages, ${queue.edgeEventsPerMessage} events a message (SNS: one message a notification)`,
  );
  for (const m of mismatches.slice(0, 10)) log(`  mismatch ${m}`);
  log(`counters of ${counters.checked} campaigns ${counters.mismatches.length === 0 ? "equal" : "differ from"} the counts recomputed from D1`);
  for (const m of counters.mismatches.slice(0, 5)) log(`  counters: ${m}`);
  console.log(passed ? "load: 1 passed, 0 failed" : "load: 0 passed, 1 failed");
} finally {
  await worker.stop();
}
process.exit(passed ? 0 : 1);
