// SNS ingestion against a naive receiver (issue #16): the same kind of signed Notifications POSTed to our worker and
// to bench/baselines/naive-sns (no verification, one D1 batch per notification inside the request), in alternating
// runs, each timed from its first POST until every event is in D1; and GET /healthz of our worker under the same load,
// the most any worker can serve through this harness.
//
// Both workers run side by side for the whole bench through wrangler's `unstable_startWorker` (bench/intercepted-worker.ts),
// each in its own workerd with its own fresh D1. Ours verifies every signature: its one outside fetch, the test signer's
// certificate, is answered through miniflare's outboundService (then cached, as in production); the baseline fetches
// nothing. Each run gets fresh notifications for campaigns of its own, signed before its clock starts; D1 is polled
// read-only from this process (bench/local-state.ts) by an indexed count, and each run is checked exact per campaign and
// event type at the end. CPU of each worker's two workerd processes (wrangler's proxy, and the runtime behind it) and of
// this process (the load client, wrangler's orchestration) comes from /proc, the machine's busy share from /proc/stat.
//
// Alone: `npx tsx bench/sns-ingest.ts [notifications] [runs of each]` (defaults 3000 and 3) writes
// bench/results/sns-ingest.json and its section of docs/BENCHMARKS.md (BENCH_NO_DOC=1: the JSON only).
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cpuSeconds } from "./cpu.ts";
import { sameCounts, storedCounts } from "./drain.ts";
import { startInterceptedWorker } from "./intercepted-worker.ts";
import type { LocalWorker } from "./local-worker.ts";
import { snsIngestSection, spliceSnsIngestSection } from "./report-sns.ts";
import { summarize } from "./stats.ts";
import { type RunSummary, type Side, SNS_INGEST_RESULTS, type SnsIngestOptions, type SnsIngestResult } from "./sns-ingest-results.ts";
import { readFixtureFile } from "../test/support/fixture-files.ts";
import { createTestSigner, type TestSigner } from "../test/support/sns-signer.ts";
import { planNotifications, SES_TEMPLATES } from "../test/support/sns-traffic.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** The baseline's wrangler configuration, relative to the repository. */
export const BASELINE_CONFIG = "bench/baselines/naive-sns/wrangler.toml";
export const SNS_INGEST_COMMAND = "npx tsx bench/sns-ingest.ts";
const CAMPAIGNS = 10;
const CONTACTS = 100;
const POLL_MS = 20;
const DRAIN_TIMEOUT_MS = 180_000;
/** Notifications each worker gets before the timed runs. */
const WARM_UP = 200;

interface RunResult {
  perSecond: number;
  answeredPerSecond: number;
  drainSeconds: number;
  p50: number;
  p99: number;
  runtimeCpuMs: number;
  runtimeCores: number;
  proxyCpuMs: number;
  benchCpuMs: number;
  machineBusy: number;
  exact: boolean;
}

interface Target {
  side: Side;
  worker: LocalWorker;
  /** wrangler's proxy (listening on the worker's origin) and the runtime behind it. */
  proxyPids: number[];
  runtimePids: number[];
  /** The `status` every POST /sns must be answered with. */
  answer: string;
}

/** Busy and total jiffies of all cores (/proc/stat, first line). */
function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Alternating order, so drift in the machine's load hits both alike: A B, B A, A B, … */
export function alternation(runs: number): Side[] {
  return Array.from({ length: runs }, (_, pair): Side[] => (pair % 2 === 0 ? ["ours", "baseline"] : ["baseline", "ours"])).flat();
}

async function countStored(worker: LocalWorker, campaigns: readonly string[]): Promise<number> {
  const list = campaigns.map((c) => `'${c}'`).join(",");
  // campaign_id IN (…) is answered from the events_campaign_time index, so polling stays cheap as the table grows.
  const rows = await worker.query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE campaign_id IN (${list})`);
  return rows[0]?.n ?? 0;
}

/**
 * `count` requests, `inFlight` at a time, then `settled()` (resolves when what they store is stored); CPU and time
 * from the first request until then. `ok` judges each answer.
 */
async function measure(
  target: Target,
  count: number,
  inFlight: number,
  request: (i: number) => Promise<Response>,
  ok: (response: Response, text: string) => boolean,
  settled: () => Promise<boolean>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let wrong = 0;
  let next = 0;
  const runtimeBefore = cpuSeconds(target.runtimePids);
  const proxyBefore = cpuSeconds(target.proxyPids);
  const benchBefore = process.cpuUsage();
  const machineBefore = machineJiffies();
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const sent = performance.now();
      try {
        const response = await request(i);
        const text = await response.text();
        latencies.push(performance.now() - sent);
        if (!ok(response, text)) wrong++;
      } catch {
        wrong++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const answered = performance.now();
  const stored = await settled();
  const done = performance.now();
  const runtime = cpuSeconds(target.runtimePids) - runtimeBefore;
  const proxy = cpuSeconds(target.proxyPids) - proxyBefore;
  const bench = process.cpuUsage(benchBefore);
  const machineAfter = machineJiffies();
  const seconds = (done - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    answeredPerSecond: count / ((answered - started) / 1000),
    drainSeconds: (done - answered) / 1000,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    runtimeCpuMs: (runtime * 1000) / count,
    runtimeCores: runtime / seconds,
    proxyCpuMs: (proxy * 1000) / count,
    benchCpuMs: (bench.user + bench.system) / 1000 / count,
    machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    exact: wrong === 0 && stored,
  };
}

/** Fresh notifications for campaigns of their own, signed first (that is SNS's work), then timed until stored. */
async function notificationRun(target: Target, signer: TestSigner, prefix: string, count: number, inFlight: number): Promise<RunResult> {
  if (!/^[A-Za-z0-9-]+$/.test(prefix)) throw new Error(`unsafe campaign prefix ${prefix}`);
  const campaigns = Array.from({ length: CAMPAIGNS }, (_, c) => `${prefix}-c${c}`);
  const plan = await planNotifications({ signer, fixture: readFixtureFile, campaigns, contactsPerCampaign: CONTACTS, count, replayShare: 0 });
  const headers = { "content-type": "text/plain; charset=UTF-8" };
  return measure(
    target,
    count,
    inFlight,
    (i) => fetch(`${target.worker.origin}/sns`, { method: "POST", headers, body: plan.bodies[i]! }),
    (response, text) => response.status === 200 && (JSON.parse(text) as { status?: string }).status === target.answer,
    async () => {
      const since = performance.now();
      while ((await countStored(target.worker, campaigns)) < count && performance.now() - since < DRAIN_TIMEOUT_MS) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return sameCounts(await storedCounts(target.worker, `${prefix}-`), plan.expected);
    },
  );
}

function healthzRun(target: Target, count: number, inFlight: number): Promise<RunResult> {
  return measure(
    target,
    count,
    inFlight,
    () => fetch(`${target.worker.origin}/healthz`),
    (response) => response.status === 200,
    async () => true,
  );
}

function summary(runs: readonly RunResult[]): RunSummary {
  const of = (key: Exclude<keyof RunResult, "exact">) => summarize(runs.map((r) => r[key]));
  return {
    perSecond: of("perSecond"),
    answeredPerSecond: of("answeredPerSecond"),
    drainSeconds: of("drainSeconds"),
    p50: of("p50"),
    p99: of("p99"),
    runtimeCpuMs: of("runtimeCpuMs"),
    runtimeCores: of("runtimeCores"),
    proxyCpuMs: of("proxyCpuMs"),
    benchCpuMs: of("benchCpuMs"),
    machineBusy: of("machineBusy"),
    exactRuns: runs.filter((r) => r.exact).length,
    runs: runs.length,
  };
}

function describe(name: string, r: RunResult): string {
  return (
    `${name}: ${r.perSecond.toFixed(0)}/s (answered at ${r.answeredPerSecond.toFixed(0)}/s, drain ${r.drainSeconds.toFixed(2)} s), ` +
    `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; CPU per request: runtime ${r.runtimeCpuMs.toFixed(2)} ms ` +
    `(${r.runtimeCores.toFixed(2)} cores), proxy ${r.proxyCpuMs.toFixed(2)} ms, client ${r.benchCpuMs.toFixed(2)} ms; ` +
    `machine ${(r.machineBusy * 100).toFixed(0)}% busy; exact ${r.exact}`
  );
}

export async function snsIngestBench(options: SnsIngestOptions, log: (line: string) => void = () => {}): Promise<SnsIngestResult> {
  const started = performance.now();
  const loadAverageAtStart = os.loadavg().map((l) => Number(l.toFixed(2)));
  const signer = await createTestSigner();
  const outbound: SnsIngestResult["outbound"] = { ours: [], baseline: [] };
  const runId = `snsb-${Date.now().toString(36)}`;
  const known = new Set<number>();
  /** Start a worker and warm it up: its proxy runs once it is ready, its runtime once it has served a request. */
  const start = async (side: Side, answer: string, config?: string): Promise<Target> => {
    const worker = await startInterceptedWorker({
      log,
      ...(config ? { config: path.join(ROOT, config) } : {}),
      outbound: (request) => {
        outbound[side].push(request.url);
        const certificate = side === "ours" && request.url === signer.certUrl;
        return certificate ? new Response(signer.certificatePem) : new Response("not reachable from a benchmark", { status: 502 });
      },
    });
    const fresh = () => worker.workerdPids().filter((p) => !known.has(p));
    const target: Target = { side, worker, proxyPids: fresh(), runtimePids: [], answer };
    for (const p of target.proxyPids) known.add(p);
    try {
      // A few first: the isolate started, our certificate fetched and its key imported, as after a deployment's first message.
      const warm = await notificationRun(target, signer, `${runId}-warm-${side}`, WARM_UP, 8);
      if (!warm.exact) throw new Error(`${side}: the warm-up notifications were not answered and stored as expected`);
    } catch (err) {
      await worker.stop();
      throw err;
    }
    target.runtimePids = fresh();
    for (const p of target.runtimePids) known.add(p);
    log(`${side}: proxy workerd ${target.proxyPids.join(" ")}, runtime workerd ${target.runtimePids.join(" ")}`);
    return target;
  };

  const ours = await start("ours", "enqueued");
  let baseline: Target | undefined;
  try {
    baseline = await start("baseline", "stored", BASELINE_CONFIG);
    const targets: Record<Side, Target> = { ours, baseline };
    const order = alternation(options.runs);
    const results: Record<Side | "healthz", RunResult[]> = { ours: [], baseline: [], healthz: [] };
    for (const [i, side] of order.entries()) {
      const r = await notificationRun(targets[side], signer, `${runId}-r${String(i).padStart(2, "0")}`, options.notifications, options.inFlight);
      results[side].push(r);
      log(describe(`run ${i + 1}/${order.length} ${side}`, r));
      if (i % 2 === 1) {
        const h = await healthzRun(ours, options.notifications, options.inFlight);
        results.healthz.push(h);
        log(describe("GET /healthz", h));
      }
    }
    const perPair = (key: "perSecond" | "p50") => summarize(results.ours.map((r, k) => r[key] / results.baseline[k]![key]));
    return {
      ...options,
      date: new Date().toISOString(),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
      order,
      warmUp: WARM_UP,
      eventTypes: Object.keys(SES_TEMPLATES),
      campaignsPerRun: CAMPAIGNS,
      ours: summary(results.ours),
      baseline: summary(results.baseline),
      healthz: summary(results.healthz),
      ratio: { perSecond: perPair("perSecond"), p50: perPair("p50") },
      outbound,
      baselineConfig: BASELINE_CONFIG,
      command: SNS_INGEST_COMMAND,
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await baseline?.worker.stop();
    await ours.worker.stop();
  }
}

/** Run the bench and keep its numbers in bench/results/sns-ingest.json (bench/run.ts and the command alone). */
export async function measureSnsIngest(options: SnsIngestOptions, log: (line: string) => void): Promise<SnsIngestResult> {
  const result = await snsIngestBench(options, log);
  writeFileSync(SNS_INGEST_RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A hard stop: the run must end by itself whatever happens to the local workers.
  setTimeout(() => {
    console.error("[sns] took longer than 15 minutes; giving up");
    process.exit(2);
  }, 15 * 60_000).unref();
  const options = { notifications: Number(process.argv[2] ?? 3000), runs: Number(process.argv[3] ?? 3), inFlight: 24 };
  const result = await measureSnsIngest(options, (l) => console.log(`[sns] ${l}`));
  if (!process.env.BENCH_NO_DOC) {
    const doc = path.join(ROOT, "docs", "BENCHMARKS.md");
    writeFileSync(doc, spliceSnsIngestSection(readFileSync(doc, "utf8"), snsIngestSection(result)));
  }
  console.log(
    `[sns] done in ${result.seconds} s: ${path.relative(ROOT, SNS_INGEST_RESULTS)}${process.env.BENCH_NO_DOC ? "" : ", docs/BENCHMARKS.md"}`,
  );
  process.exit(0);
}
