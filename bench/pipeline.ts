// Runs the in-runtime pipeline benchmark (bench/workerd/) with vitest and reads its BENCH_JSON line.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { summarize, type Summary } from "./stats.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface PipelineResult {
  events: number;
  runs: number;
  command: string;
  eventsPerSecond: Record<string, Summary>;
}

export function runPipelineBench(): PipelineResult {
  const args = ["vitest", "run", "--config", "vitest.bench.config.ts"];
  const result = spawnSync(path.join(ROOT, "node_modules", ".bin", args[0]!), args.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 8 * 60_000,
  });
  const line = `${result.stdout}\n${result.stderr}`.split("\n").find((l) => l.includes("BENCH_JSON "));
  if (result.status !== 0 || !line) throw new Error(`pipeline bench failed (${result.status}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  const raw = JSON.parse(line.slice(line.indexOf("BENCH_JSON ") + 11)) as { events: number; runs: number; eventsPerSecond: Record<string, number[]> };
  return {
    events: raw.events,
    runs: raw.runs,
    command: `npx ${args.join(" ")}`,
    eventsPerSecond: Object.fromEntries(Object.entries(raw.eventsPerSecond).map(([k, v]) => [k, summarize(v)])),
  };
}
