// Timing inside workerd: a clock read only after awaited I/O, batches long enough for its 1 ms granularity.
//
// workerd may hold Date.now()/performance.now() still while JavaScript runs and move them on only at I/O (so code
// cannot time itself finely; Cloudflare's edge does this). Every reading here is therefore taken just after an
// awaited D1 query: whatever the runtime does with the clock between I/O, the reading is the time at which that
// query completed, which is after all the work before it. Each timed batch runs enough iterations to last about
// `targetMs`, so the clock's 1 ms steps and the anchor's own round trip are a small share of it.
import { env } from "cloudflare:workers";

/** The time just after an I/O completion (a trivial D1 query). */
export async function anchoredNow(): Promise<number> {
  await env.DB.prepare("SELECT 1").first();
  return performance.now();
}

export interface ClockFacts {
  /** Did performance.now() move across ~50 ms of pure computation with no I/O? */
  movesWithoutIo: boolean;
  /** Smallest non-zero step seen between readings (ms). */
  stepMs: number;
  /** Median round trip of the anchor query (ms), i.e. what each batch's figure may be over by. */
  anchorMs: number;
}

function spin(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x += Math.sqrt(i);
  return x;
}

export async function clockFacts(): Promise<ClockFacts> {
  const calibrate = await anchoredNow();
  spin(20_000);
  const perSpin = Math.max((await anchoredNow()) - calibrate, 1) / 20_000;
  const start = performance.now();
  spin(Math.ceil(50 / perSpin));
  const movesWithoutIo = performance.now() > start;
  let stepMs = Number.POSITIVE_INFINITY;
  for (let i = 0, last = performance.now(); i < 200_000 && stepMs === Number.POSITIVE_INFINITY; i++) {
    const t = performance.now();
    if (t > last) stepMs = Math.min(stepMs, t - last);
    last = t;
  }
  const trips: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    await env.DB.prepare("SELECT 1").first();
    trips.push(performance.now() - t);
  }
  trips.sort((a, b) => a - b);
  return { movesWithoutIo, stepMs: Number.isFinite(stepMs) ? stepMs : 1, anchorMs: trips[10]! };
}

/** Wall milliseconds for `n` calls of `work`, one after another, between two anchored readings. */
export async function timeIterations(n: number, work: (i: number) => Promise<unknown>): Promise<number> {
  const start = await anchoredNow();
  for (let i = 0; i < n; i++) await work(i);
  return (await anchoredNow()) - start;
}

/** How many iterations of `work` fill about `targetMs` (from a short anchored trial). */
export async function iterationsFor(targetMs: number, work: (i: number) => Promise<unknown>, trial = 10): Promise<number> {
  const ms = await timeIterations(trial, work);
  return Math.max(trial, Math.ceil((targetMs * trial) / Math.max(ms, 1)));
}

/** Rotate a list so run `run` starts at a different entry: no variant always goes first. */
export function rotated<T>(list: readonly T[], run: number): T[] {
  return list.map((_, i) => list[(i + run) % list.length]!);
}

export function benchLine(name: string, data: unknown): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench: name, ...(data as object) })}`);
}
