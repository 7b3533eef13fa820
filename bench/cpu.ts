// CPU cost per request, as well as workerd allows: process CPU time from /proc, divided by the requests served.
//
// Inside workerd, Date.now() and performance.now() do not advance while JavaScript runs (a Spectre mitigation),
// so a handler cannot time its own CPU. Instead we read utime+stime of every process `wrangler dev` started
// (the dev proxy's workerd, the worker's workerd, wrangler's Node) before and after N requests and divide.
// That includes the HTTP parsing, the dev proxy hop and the runtime's own work, identical for every route,
// so the figure that speaks for our code is the difference to GET /healthz served the same way.
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { storedEvents, type LocalWorker } from "./local-worker.ts";
import { summarize, type Summary } from "./stats.ts";
import { clientAddress } from "../test/support/traffic.ts";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the comm field).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const p = Number(entry);
    if (!Number.isInteger(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(p);
    } catch {
      // gone
    }
  }
  return out;
}

/** The wrangler dev process and everything below it (workerd, Node, esbuild). */
function tree(root: number): number[] {
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]!));
  return all;
}

export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, p) => sum + ticks(p), 0) / TICKS_PER_SECOND;
}

/** CPU seconds used so far by `root` and every process below it. */
export function treeCpuSeconds(root: number): number {
  return cpuSeconds(tree(root));
}

/** The tree's CPU use while nothing is asked of it (timers, the dev proxy, wrangler), in ms per second over `ms`. */
export async function idleCpu(root: number, ms = 5000): Promise<number> {
  const start = treeCpuSeconds(root);
  await new Promise((r) => setTimeout(r, ms));
  return ((treeCpuSeconds(root) - start) * 1000 * 1000) / ms;
}

export interface CpuCase {
  name: string;
  method: "GET" | "HEAD";
  paths: readonly string[];
  /** Wait for this many more stored events before reading CPU again (the queue consumer's share). */
  stores?: boolean;
}

export interface CpuResult {
  name: string;
  /** Milliseconds of CPU per request across the local processes. */
  msPerRequest: Summary;
  /** Same, minus GET /healthz of the same round. */
  msOverHealthz: Summary;
}

let clients = 0;

async function send(origin: string, c: CpuCase, requests: number, concurrency: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < requests) {
      const n = next++;
      const path = c.paths[n % c.paths.length]!;
      // A client of its own per request: repeats of a token from one network would be one event, and less work.
      const response = await fetch(origin + path, {
        method: c.method,
        redirect: "manual",
        headers: { "cf-connecting-ip": clientAddress(clients++) },
      });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/**
 * Each round measures every case once (healthz first); `stores` cases are read after the queue has stored
 * their events, so their figure includes the consumer and local D1 work, not just the response.
 */
export async function cpuPerRequest(
  worker: LocalWorker,
  cases: readonly CpuCase[],
  { rounds = 3, requests = 1000, concurrency = 4 } = {},
  log: (line: string) => void = () => {},
): Promise<{ results: CpuResult[]; idleMsPerSecond: number; ticksPerSecond: number }> {
  const per: Record<string, number[]> = {};
  const over: Record<string, number[]> = {};
  const idleMsPerSecond = await idleCpu(worker.pid);
  for (let round = 0; round < rounds; round++) {
    let healthz = 0;
    for (const c of cases) {
      const storedBefore = c.stores ? await storedEvents(worker) : 0;
      const before = treeCpuSeconds(worker.pid);
      const started = performance.now();
      await send(worker.origin, c, requests, concurrency);
      if (c.stores) {
        while ((await storedEvents(worker)) < storedBefore + requests) await new Promise((r) => setTimeout(r, 250));
      }
      // Polling reads the SQLite file from this process (not in the tree); the tree's idle CPU over the same time is taken off.
      const idleMs = (idleMsPerSecond * (performance.now() - started)) / 1000;
      const ms = ((treeCpuSeconds(worker.pid) - before) * 1000 - idleMs) / requests;
      if (c.name.startsWith("GET /healthz")) healthz = ms;
      (per[c.name] ??= []).push(ms);
      (over[c.name] ??= []).push(ms - healthz);
    }
    log(`cpu round ${round + 1}/${rounds}: ${cases.map((c) => `${c.name} ${per[c.name]!.at(-1)!.toFixed(2)} ms`).join(", ")}`);
  }
  return {
    results: cases.map((c) => ({ name: c.name, msPerRequest: summarize(per[c.name]!), msOverHealthz: summarize(over[c.name]!) })),
    idleMsPerSecond,
    ticksPerSecond: TICKS_PER_SECOND,
  };
}
