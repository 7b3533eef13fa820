// Throughput and latency of the tracking routes through `wrangler dev`, each paired with /healthz in the same run.
import autocannon from "autocannon";
import { storedEvents, type LocalWorker } from "./local-worker.ts";
import { summarize, type Summary } from "./stats.ts";
import { clientAddress, type PlannedRequest } from "../test/support/traffic.ts";

export interface HttpOptions {
  runs: number;
  seconds: number;
  connections: number;
  /** False when nothing consumes the events queue (the edge measured alone): no run waits for storage. */
  drains?: boolean;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  answered: number;
  unexpected: number;
}

export interface PairedResult {
  route: string;
  baseline: string;
  tracking: { rps: Summary; p50: Summary; p99: Summary };
  base: { rps: Summary; p50: Summary; p99: Summary };
  /** Per-pair ratios (tracking ÷ baseline of the same pair), summarised. */
  ratio: { rps: Summary; p50: Summary; p99: Summary };
  /** Answers other than the expected status (must be 0), and connection errors. */
  unexpected: number;
  /** Seconds the queue took to store a run's events after it ended (before the next run starts); null when undrained. */
  drainSeconds: Summary | null;
}

let clients = 0;

async function measure(worker: LocalWorker, paths: readonly string[], status: number, options: HttpOptions): Promise<Run> {
  const result = await autocannon({
    url: worker.origin,
    connections: options.connections,
    duration: options.seconds,
    // Each connection cycles through these paths: many campaigns and contacts, not one hot token. Every request comes
    // from a client of its own: repeats of a token from one network would be one event, and less work.
    requests: paths.map((path) => ({
      method: "GET" as const,
      path,
      setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, "cf-connecting-ip": clientAddress(clients++) } }),
    })),
  });
  const answered = (result.statusCodeStats as unknown as Record<string, { count: number }>)[String(status)]?.count ?? 0;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    unexpected: result.requests.total - answered + result.errors + result.timeouts,
  };
}

/**
 * Wait until the stored events reach `atLeast` and have not changed for longer than the queue's batch timeout:
 * a run's backlog must not bleed into the next run.
 */
async function drain(worker: LocalWorker, atLeast: number): Promise<number> {
  const started = performance.now();
  let last = -1;
  let changedAt = started;
  for (;;) {
    const n = await storedEvents(worker);
    const now = performance.now();
    if (n !== last) {
      last = n;
      changedAt = now;
    }
    if (n >= atLeast && now - changedAt > 2500) return (changedAt - started) / 1000;
    if (now - started > 180_000) throw new Error(`queue did not drain: ${n} of ${atLeast} events stored`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Alternate tracking and baseline runs (ABBA order) so drift in the machine's load hits both alike. */
export async function pairedRuns(
  worker: LocalWorker,
  route: string,
  requests: readonly Pick<PlannedRequest, "path" | "expect">[],
  options: HttpOptions,
  log: (line: string) => void,
): Promise<PairedResult> {
  const paths = requests.map((r) => r.path);
  const status = requests[0]!.expect.status;
  const tracking: Run[] = [];
  const base: Run[] = [];
  const drains: number[] = [];
  let storedBefore = await storedEvents(worker);
  for (let run = 0; run < options.runs; run++) {
    const order = run % 2 === 0 ? ["tracking", "base"] : ["base", "tracking"];
    for (const which of order) {
      if (which === "base") {
        base.push(await measure(worker, ["/healthz"], 200, options));
      } else {
        const r = await measure(worker, paths, status, options);
        tracking.push(r);
        if (options.drains === false) continue;
        storedBefore += r.answered;
        drains.push(await drain(worker, storedBefore));
        // Requests answered after autocannon stopped counting are stored too: take the real count as the new floor.
        storedBefore = await storedEvents(worker);
      }
    }
    log(`${route} run ${run + 1}/${options.runs}: ${tracking.at(-1)!.rps.toFixed(0)} req/s vs healthz ${base.at(-1)!.rps.toFixed(0)} req/s`);
  }
  const pick = (runs: Run[]) => ({
    rps: summarize(runs.map((r) => r.rps)),
    p50: summarize(runs.map((r) => r.p50)),
    p99: summarize(runs.map((r) => r.p99)),
  });
  const ratios = (f: (r: Run) => number) => summarize(tracking.map((t, i) => f(t) / Math.max(f(base[i]!), 1e-9)));
  return {
    route,
    baseline: "GET /healthz",
    tracking: pick(tracking),
    base: pick(base),
    ratio: { rps: ratios((r) => r.rps), p50: ratios((r) => r.p50), p99: ratios((r) => r.p99) },
    unexpected: [...tracking, ...base].reduce((sum, r) => sum + r.unexpected, 0),
    drainSeconds: drains.length > 0 ? summarize(drains) : null,
  };
}
