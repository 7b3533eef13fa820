// `npm run bench`: every benchmark in one run on this machine, written to bench/results/latest.json and
// docs/BENCHMARKS.md (and docs/SCALE.md's capacity tables). Loopback only; bounded counts and durations (about 11 minutes on 2 cores).
//
// Environment: BENCH_RUNS (default 5), BENCH_SECONDS per HTTP run (default 5), BENCH_CONNECTIONS (default 16),
// BENCH_CPU_REQUESTS per CPU case and round (default 2000), BENCH_STATS_EVENTS for the large stats campaign (default
// 1,000,000), BENCH_STATS_CHUNK events per record() call when seeding it (default 50,000), BENCH_SNS_NOTIFICATIONS per
// SNS ingestion run (default 3000) and BENCH_SNS_RUNS of each worker (default 3), BENCH_NO_DOC=1 to skip rewriting
// docs/BENCHMARKS.md and docs/SCALE.md; BENCH_STORAGE_MAILS and BENCH_STORAGE_SENDS for the storage bench (default 2000 and 500, about
// 2 minutes), whose figures also regenerate docs/SCALE.md's capacity tables.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { measureClassification } from "./classify-agreement.ts";
import { cpuPerRequest } from "./cpu.ts";
import { EVENTS_QUEUE, FEED_SCRIPT, pipelineCapacity, producerCpu } from "./edge-pipeline.ts";
import { pairedRuns } from "./http.ts";
import { startLocalWorker } from "./local-worker.ts";
import { describeMachine } from "./machine.ts";
import type { BenchResults } from "./latest-results.ts";
import { renderReport } from "./report.ts";
import { measureSnsIngest } from "./sns-ingest.ts";
import { loadSnsFixtures, snsValidatorBench } from "./sns-node.ts";
import { statsReadBench } from "./stats-read.ts";
import { runStorageBench } from "./storage.ts";
import { writeScaleDoc } from "./capacity.ts";
import { mintTokenSet, tamper } from "../test/support/traffic.ts";
import { runWorkerdBenches } from "./workerd.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const RESULTS = path.join(ROOT, "bench", "results");
const options = {
  runs: Number(process.env.BENCH_RUNS ?? 5),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  cpuRequests: Number(process.env.BENCH_CPU_REQUESTS ?? 2000),
};
const log = (line: string) => console.log(`[bench] ${line}`);
/** "/o/<token>.gif" or "/c/<token>" with the token's signature changed. */
const tamperedPath = (p: string) => p.replace(/^(\/[oc]\/)([A-Za-z0-9_-]+)/, (_m, prefix: string, token: string) => prefix + tamper(token));
const started = performance.now();
// A hard stop: the run must end by itself whatever happens to the local worker.
const deadline = setTimeout(() => {
  console.error("[bench] took longer than 15 minutes; giving up");
  process.exit(2);
}, 15 * 60_000);
deadline.unref();

const machine = describeMachine();
log(`${machine.cores} cores, ${machine.cpuModel}, load ${machine.loadAverageAtStart.join(" ")}`);

const set = await mintTokenSet({ runId: "bench", campaigns: 10, contactsPerCampaign: 10 });
const paths = (list: typeof set.opens) => list.map((r) => r.path);

log("the edge alone: the events queue's consumer left out (bench-only config), so nothing drains it");
const edgeWorker = await startLocalWorker({ log, script: FEED_SCRIPT, undrainedQueue: EVENTS_QUEUE });
let http: BenchResults["http"];
let edgeCpu: BenchResults["edgeCpu"];
let producer: BenchResults["producer"];
try {
  const undrained = { ...options, drains: false };
  http = [
    await pairedRuns(edgeWorker, "GET /o/<token>.gif (pixel)", set.opens, undrained, log),
    await pairedRuns(edgeWorker, "GET /c/<token> (click)", set.clicks, undrained, log),
  ];
  edgeCpu = await cpuPerRequest(
    edgeWorker,
    [
      { name: "GET /healthz", method: "GET", paths: ["/healthz"] },
      // A token whose signature is wrong is verified and answered, and records nothing: verification and the answer.
      { name: "GET /o/<token, wrong signature> (verify only)", method: "GET", paths: paths(set.opens).map(tamperedPath) },
      { name: "GET /o/<token> (verify, event, enqueue)", method: "GET", paths: paths(set.opens) },
      { name: "GET /c/<token, wrong signature> (verify only, 404 page)", method: "GET", paths: paths(set.clicks).map(tamperedPath) },
      { name: "GET /c/<token> (verify, event, enqueue)", method: "GET", paths: paths(set.clicks) },
    ],
    { rounds: 5, requests: options.cpuRequests, concurrency: options.connections },
    log,
  );
  producer = await producerCpu(edgeWorker);
} finally {
  await edgeWorker.stop();
}

log("the whole path and the pipeline: the production config, the consumer draining");
const worker = await startLocalWorker({ log, script: FEED_SCRIPT });
let cpu: BenchResults["cpu"];
let pipelineRun: BenchResults["pipelineCapacity"];
try {
  cpu = await cpuPerRequest(
    worker,
    [
      { name: "GET /healthz", method: "GET", paths: ["/healthz"] },
      { name: "GET /o/<token> (verify, enqueue, consumer, D1)", method: "GET", paths: paths(set.opens), stores: true },
      { name: "GET /c/<token> (verify, enqueue, consumer, D1)", method: "GET", paths: paths(set.clicks), stores: true },
    ],
    { rounds: 3, requests: options.cpuRequests, concurrency: options.connections },
    log,
  );
  pipelineRun = await pipelineCapacity(worker, producer, { rounds: 3, count: 3000 }, log);
} finally {
  await worker.stop();
}

log("inside workerd (vitest.bench.config.ts): pipeline, instrumentation, SNS verification, tokens");
const { pipeline, instrument, snsVerify, tokens } = runWorkerdBenches();
log("sns-validator on Node over the SNS fixtures");
const snsNode = await snsValidatorBench(loadSnsFixtures(), { runs: options.runs });
log("SNS ingestion: ours against the naive receiver (bench/baselines/naive-sns), alternated");
const snsIngest = await measureSnsIngest(
  { notifications: Number(process.env.BENCH_SNS_NOTIFICATIONS ?? 3000), runs: Number(process.env.BENCH_SNS_RUNS ?? 3), inFlight: 24 },
  log,
);
log("human or machine: agreement on the labelled set, classification CPU, the consumer's and the edge's share");
const classification = await measureClassification();
log("stats read latency: 1,000 vs 1,000,000 events");
const statsRead = await statsReadBench(
  { rounds: options.runs, readsPerRound: 200, largeEvents: Number(process.env.BENCH_STATS_EVENTS ?? 1_000_000) },
  log,
);

log("storage per event and per sent mail: bytes, billed rows and queue messages per store");
const storage = await runStorageBench(log);

const results: BenchResults = {
  machine,
  options,
  seconds: Math.round((performance.now() - started) / 1000),
  http,
  edgeCpu,
  producer,
  cpu,
  pipelineCapacity: pipelineRun,
  pipeline,
  instrument,
  tokens,
  snsVerify,
  snsNode,
  statsRead,
  loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
};
mkdirSync(RESULTS, { recursive: true });
writeFileSync(path.join(RESULTS, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
const loadFile = path.join(RESULTS, "load-latest.json");
const load = existsSync(loadFile) ? JSON.parse(readFileSync(loadFile, "utf8")) : null;
if (!process.env.BENCH_NO_DOC)
  writeFileSync(path.join(ROOT, "docs", "BENCHMARKS.md"), renderReport(results, load, classification, snsIngest, storage));
if (!process.env.BENCH_NO_DOC) writeScaleDoc(storage);
log(`done in ${results.seconds} s: bench/results/latest.json, storage.json${process.env.BENCH_NO_DOC ? "" : ", docs/BENCHMARKS.md, docs/SCALE.md"}`);
process.exit(0);
