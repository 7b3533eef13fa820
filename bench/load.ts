// `npm run test:load`: tens of thousands of pixel and click requests at a local worker; afterwards D1 must hold
// exactly one event per valid request, per campaign and type, and nothing from the invalid ones.
//
// Environment: LOAD_REQUESTS (default 50000), LOAD_CONCURRENCY (default 64). Loopback only; stops by itself.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sameCounts, storedCounts, total, waitForDrain } from "./drain.ts";
import { fire } from "./fire.ts";
import { startLocalWorker } from "./local-worker.ts";
import { renderReport } from "./report.ts";
import { expectedCounts, mintTokenSet, planRequests } from "./traffic.ts";

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 50_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 64);
const RESULTS = path.resolve(import.meta.dirname, "results");

/**
 * Slot for signed SNS notifications (issue #4: POST /sns). When it lands: sign M Notifications carrying SES events
 * with a test key (a fetch interceptor is not available in wrangler dev, so the local worker must be configured to
 * trust a test certificate it can fetch on loopback), post them concurrently with the pixel and click traffic,
 * post a share of them a second time (SNS redelivers), and add their expected events (one per recipient, ids derived
 * from the MessageId, so replays add nothing) to the expected counts. Until then it adds nothing.
 */
async function snsNotifications(): Promise<{ sent: number; replayed: number; expected: Map<string, number> }> {
  return { sent: 0, replayed: 0, expected: new Map() };
}

/**
 * Slot for counters (issue #6): when the CampaignStats Durable Object exists, read every campaign's counters
 * through GET /api/campaigns/<id>/stats and compare opens.total and clicks.total with the D1 counts below.
 */
async function countersMatchD1(): Promise<{ checked: number; mismatches: string[] }> {
  return { checked: 0, mismatches: [] };
}

const log = (line: string) => console.log(`[load] ${line}`);
// A hard stop: the run ends by itself whatever happens to the local worker.
setTimeout(() => {
  console.error("[load] took longer than 15 minutes; giving up");
  process.exit(2);
}, 15 * 60_000).unref();
const runId = `load-${Date.now().toString(36)}`;
const worker = await startLocalWorker({ log });
let passed = false;
try {
  const set = await mintTokenSet({ runId, campaigns: 20, contactsPerCampaign: 100 });
  const plan = planRequests(set, REQUESTS);
  log(`firing ${plan.length} requests (${set.opens.length} open and ${set.clicks.length} click tokens, ${set.invalid.length} invalid variants), ${CONCURRENCY} at a time`);
  const [fired, sns] = await Promise.all([fire(worker.origin, plan, CONCURRENCY), snsNotifications()]);
  log(`answered as planned: ${fired.answered.length}; wrong answers: ${fired.wrongCount}; no answer: ${fired.failed}; ${fired.seconds.toFixed(1)} s (${(plan.length / fired.seconds).toFixed(0)} req/s)`);
  for (const w of fired.wrong.slice(0, 5)) log(`  wrong: ${JSON.stringify(w)}`);

  const expected = expectedCounts(fired.answered);
  for (const [k, v] of sns.expected) expected.set(k, (expected.get(k) ?? 0) + v);
  log(`waiting for the queue to drain: expecting ${total(expected)} events in ${expected.size} campaign/type groups`);
  const polled = await waitForDrain(worker, runId, expected);
  // The verdict is read through D1's own tooling, not only the direct file reads used for polling.
  const drained = { ...polled, stored: await storedCounts(worker, runId, "wrangler") };
  drained.exact = sameCounts(drained.stored, expected);
  const deadLetters = await worker.queryWithWrangler<{ n: number }>("SELECT count(*) AS n FROM dead_letters");
  const counters = await countersMatchD1();

  const mismatches = [...new Set([...expected.keys(), ...drained.stored.keys()])]
    .filter((k) => expected.get(k) !== drained.stored.get(k))
    .map((k) => `${k}: expected ${expected.get(k) ?? 0}, stored ${drained.stored.get(k) ?? 0}`);
  passed = fired.wrongCount === 0 && fired.failed === 0 && drained.exact && deadLetters[0]?.n === 0 && counters.mismatches.length === 0;

  const summary = {
    date: new Date().toISOString(),
    requests: plan.length,
    concurrency: CONCURRENCY,
    validRequests: plan.filter((r) => r.expect.kind !== "invalid").length,
    invalidRequests: plan.filter((r) => r.expect.kind === "invalid").length,
    snsSent: sns.sent,
    snsReplayed: sns.replayed,
    answeredAsPlanned: fired.answered.length,
    wrongAnswers: fired.wrongCount,
    noAnswer: fired.failed,
    fireSeconds: Number(fired.seconds.toFixed(2)),
    expectedEvents: total(expected),
    storedEvents: total(drained.stored),
    exact: drained.exact,
    drainSecondsAfterLastAnswer: Number(drained.seconds.toFixed(1)),
    deadLetters: deadLetters[0]?.n ?? null,
    countersChecked: counters.checked,
    mismatches: mismatches.slice(0, 20),
    passed,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, "load-latest.json"), JSON.stringify(summary, null, 2) + "\n");
  // docs/BENCHMARKS.md shows the latest load run beside the latest benchmark numbers (which are not re-measured).
  const bench = path.join(RESULTS, "latest.json");
  if (existsSync(bench) && !process.env.BENCH_NO_DOC) {
    writeFileSync(path.resolve(RESULTS, "..", "..", "docs", "BENCHMARKS.md"), renderReport(JSON.parse(readFileSync(bench, "utf8")), summary));
  }
  log(`stored ${summary.storedEvents} of ${summary.expectedEvents} expected events; exact: ${drained.exact}; dead letters: ${summary.deadLetters}; drained ${summary.drainSecondsAfterLastAnswer} s after the last answer`);
  for (const m of mismatches.slice(0, 10)) log(`  mismatch ${m}`);
  console.log(passed ? "load: 1 passed, 0 failed" : "load: 0 passed, 1 failed");
} finally {
  await worker.stop();
}
process.exit(passed ? 0 : 1);
