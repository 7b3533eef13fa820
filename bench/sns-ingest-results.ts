// What the SNS ingestion bench keeps in bench/results/sns-ingest.json: written by bench/sns-ingest.ts, read by its report section.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Summary } from "./stats.ts";

export const SNS_INGEST_RESULTS = path.join(import.meta.dirname, "results", "sns-ingest.json");

export type Side = "ours" | "baseline";

export interface SnsIngestOptions {
  notifications: number;
  /** Runs of each worker; the order is ours, baseline, baseline, ours, … with one /healthz run after each pair. */
  runs: number;
  inFlight: number;
}

/** One kind of run, summarised over its runs. */
export interface RunSummary {
  /** Notifications stored per second (first POST until every event is in D1); requests per second for /healthz. */
  perSecond: Summary;
  /** First POST until the last answer, per second. */
  answeredPerSecond: Summary;
  /** Last answer until every event is in D1 (s). */
  drainSeconds: Summary;
  /** Request latency seen by the client, per run (ms). */
  p50: Summary;
  p99: Summary;
  /** CPU per notification (ms) of the runtime workerd (the worker's isolate, its local D1, queue and Durable Objects). */
  runtimeCpuMs: Summary;
  /** Cores the runtime workerd kept busy over the run. */
  runtimeCores: Summary;
  /** CPU per notification (ms) of wrangler's proxy in front of it (a second workerd). */
  proxyCpuMs: Summary;
  /** CPU per notification (ms) of this process: the load client, and wrangler's orchestration of both workers. */
  benchCpuMs: Summary;
  /** Share of the machine's cores busy during the run (everything, other work on the machine included). */
  machineBusy: Summary;
  /** Runs with only the expected answers and, for notifications, exactly one row per notification, per campaign and type. */
  exactRuns: number;
  runs: number;
}

export interface SnsIngestResult extends SnsIngestOptions {
  date: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  order: Side[];
  warmUp: number;
  eventTypes: string[];
  campaignsPerRun: number;
  ours: RunSummary;
  baseline: RunSummary;
  /** GET /healthz of our worker, same count and concurrency: the harness's own cost per request. */
  healthz: RunSummary;
  /** Ours ÷ baseline, run by run (the i-th run of each, which ran next to each other). */
  ratio: { perSecond: Summary; p50: Summary };
  /** What each worker fetched from outside during the whole bench. */
  outbound: Record<Side, string[]>;
  baselineConfig: string;
  command: string;
  seconds: number;
}

/** The last run's numbers, if there was one (a load run re-renders docs/BENCHMARKS.md with them). */
export function readSnsIngest(): SnsIngestResult | null {
  return existsSync(SNS_INGEST_RESULTS) ? (JSON.parse(readFileSync(SNS_INGEST_RESULTS, "utf8")) as SnsIngestResult) : null;
}
