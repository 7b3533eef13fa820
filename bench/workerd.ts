// Runs the in-runtime benchmarks (bench/workerd/*.bench-test.ts) in one vitest run and reads their BENCH_JSON lines.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { summarize, type Summary } from "./stats.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Measured apart, by bench/classify-agreement.ts, with the rest of human-or-machine classification's evidence. */
export const CLASSIFY_BENCH_FILE = "bench/workerd/classify.bench-test.ts";
const ARGS = ["vitest", "run", "--config", "vitest.bench.config.ts", "--exclude", CLASSIFY_BENCH_FILE];
export const WORKERD_BENCH_COMMAND = `npx ${ARGS.join(" ")}`;

export interface PipelineResult {
  events: number;
  runs: number;
  command: string;
  eventsPerSecond: Record<string, Summary>;
}

export interface ClockFacts {
  movesWithoutIo: boolean;
  stepMs: number;
  anchorMs: number;
}

export interface InstrumentResult {
  bytes: number;
  trackedLinks: number;
  /** The hrefs instrumentHtml reads (anchors with one, not opted out): each is checked for a destination. */
  hrefs?: number;
  runs: number;
  iterations: Record<string, number>;
  clock: ClockFacts;
  msPerDocument: Record<string, Summary>;
  /** Per run: the variant's time ÷ the no-handler rewriter's time in the same run. */
  ratioToRewriter: Record<string, Summary>;
  /** Parts of one document's work, timed alone (absent from results older than issue #16). */
  msPerStep?: Record<string, Summary>;
}

export interface SnsVerifyResult {
  messages: number;
  passes: number;
  runs: number;
  verificationsPerSecond: Summary;
}

export interface TokensResult {
  runs: number;
  iterations: Record<string, number>;
  /** Characters of one click token (60-character destination), each version. */
  clickTokenChars: { v1: number; v2: number };
  /** Median characters of a whole click URL (60-character destination) on `origin`, each version. */
  clickUrlChars?: { v1: number; v2: number; origin: string };
  /** Microseconds per call, by pair (verifyOpen, verifyClick, pixel, click) and side. */
  usPerCall: Record<string, { v1: Summary; v2: Summary }>;
  /** Per run: version 2's time ÷ version 1's, timed back to back. */
  ratioV2toV1: Record<string, Summary>;
  /** Fastest version-2 batch ÷ fastest version-1 batch: the least disturbed by other processes. */
  ratioOfFastest: Record<string, number>;
}

export interface WorkerdResults {
  pipeline: PipelineResult;
  tokens: TokensResult;
  instrument: InstrumentResult;
  snsVerify: SnsVerifyResult;
}

export type Raw = Record<string, any>;

const summaries = (record: Record<string, number[]>): Record<string, Summary> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, summarize(v)]));

/** Runs vitest with `args` and answers the BENCH_JSON lines by bench name; throws unless all of `expected` came. */
export function benchLines(args: readonly string[], expected: readonly string[]): Map<string, Raw> {
  const result = spawnSync(path.join(ROOT, "node_modules", ".bin", args[0]!), args.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 8 * 60_000,
  });
  const lines = new Map<string, Raw>();
  for (const line of `${result.stdout}\n${result.stderr}`.split("\n")) {
    const at = line.indexOf("BENCH_JSON ");
    if (at < 0) continue;
    const raw = JSON.parse(line.slice(at + 11)) as Raw;
    lines.set(raw.bench, raw);
  }
  const missing = expected.filter((k) => !lines.has(k));
  if (result.status !== 0 || missing.length) {
    throw new Error(
      `workerd benches failed (${result.status}; missing ${missing.join(", ") || "none"}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`,
    );
  }
  return lines;
}

/** The one workerd bench of classification's consumer cost (bench/classify-agreement.ts runs it). */
export const CLASSIFY_BENCH_ARGS = ["vitest", "run", "--config", "vitest.bench.config.ts", CLASSIFY_BENCH_FILE];

export function runWorkerdBenches(): WorkerdResults {
  const lines = benchLines(ARGS, ["pipeline", "instrument", "snsVerify", "tokens"]);
  const p = lines.get("pipeline")!;
  const i = lines.get("instrument")!;
  const v = lines.get("snsVerify")!;
  const t = lines.get("tokens")!;
  const rewriter = i.msPerDocument.rewriterNoHandlers as number[];
  return {
    pipeline: { events: p.events, runs: p.runs, command: WORKERD_BENCH_COMMAND, eventsPerSecond: summaries(p.eventsPerSecond) },
    instrument: {
      bytes: i.bytes,
      trackedLinks: i.trackedLinks,
      hrefs: i.hrefs,
      runs: i.runs,
      iterations: i.iterations,
      clock: i.clock,
      msPerDocument: summaries(i.msPerDocument),
      ratioToRewriter: summaries(
        Object.fromEntries(
          Object.entries(i.msPerDocument as Record<string, number[]>).map(([k, list]) => [k, list.map((ms, run) => ms / rewriter[run]!)]),
        ),
      ),
      msPerStep: summaries(i.msPerStep),
    },
    tokens: {
      runs: t.runs,
      iterations: t.iterations,
      clickTokenChars: t.clickTokenChars,
      clickUrlChars: t.clickUrlChars,
      usPerCall: Object.fromEntries(
        Object.entries(t.usPerCall as Record<string, { v1: number[]; v2: number[] }>).map(([k, { v1, v2 }]) => [
          k,
          { v1: summarize(v1), v2: summarize(v2) },
        ]),
      ),
      ratioV2toV1: summaries(t.ratioV2toV1),
      ratioOfFastest: t.ratioOfFastest,
    },
    snsVerify: { messages: v.messages, passes: v.passes, runs: v.runs, verificationsPerSecond: summarize(v.verificationsPerSecond) },
  };
}
