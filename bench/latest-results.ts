// What `npm run bench` keeps in bench/results/latest.json (BenchResults) and `npm run load` in load-latest.json (LoadSummary).
import type { CpuResult } from "./cpu.ts";
import type { PipelineCapacity, ProducerCpu } from "./edge-pipeline.ts";
import type { PairedResult } from "./http.ts";
import type { Machine } from "./machine.ts";
import type { SnsNodeResult } from "./sns-node.ts";
import type { StatsReadResult } from "./stats-read.ts";
import type { InstrumentResult, PipelineResult, SnsVerifyResult, TokensResult } from "./workerd.ts";

export type CpuRun = { results: CpuResult[]; idleMsPerSecond: number; ticksPerSecond: number };

export interface BenchResults {
  machine: Machine;
  options: { runs: number; seconds: number; connections: number; cpuRequests: number };
  seconds: number;
  /** Pixel and click against /healthz, the events queue undrained: the edge alone. */
  http: PairedResult[];
  /** CPU per request of the edge alone (undrained). */
  edgeCpu: CpuRun;
  producer: ProducerCpu;
  /** CPU per request of the whole path: the consumer draining, each figure read once D1 holds the events. */
  cpu: CpuRun;
  pipelineCapacity: PipelineCapacity;
  pipeline: PipelineResult;
  instrument: InstrumentResult;
  tokens: TokensResult;
  snsVerify: SnsVerifyResult;
  snsNode: SnsNodeResult;
  statsRead: StatsReadResult;
  /** Load average when the run ended (the start is in `machine`). */
  loadAverageAtEnd: number[];
}

/** The load run's summary (bench/results/load-latest.json), when one was made. */
export interface LoadSummary {
  date: string;
  requests: number;
  concurrency: number;
  validRequests: number;
  invalidRequests: number;
  snsSent: number;
  snsDistinct?: number;
  snsReplayed?: number;
  snsEnqueued?: number;
  snsDuplicate?: number;
  snsWrong?: number;
  snsSeconds?: number;
  outboundFetches?: number;
  countersChecked?: number;
  counterMismatches?: unknown[];
  answeredAsPlanned: number;
  wrongAnswers: number;
  noAnswer: number;
  fireSeconds: number;
  expectedEvents: number;
  storedEvents: number;
  exact: boolean;
  drainSecondsAfterLastAnswer: number;
  deadLetters: number | null;
  /** What the events consumer received (its log line a batch): events per queue message, in all and the edge's. */
  queue?: {
    batches: number;
    messages: number;
    events: number;
    retried: number;
    eventsPerMessage: number | null;
    edgeMessages: number;
    edgeEvents: number;
    edgeEventsPerMessage: number | null;
  };
  passed: boolean;
}
