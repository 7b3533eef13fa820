// Stats read latency (issue #6): GET /api/campaigns/<id>/stats for a campaign of 1,000 events and one of 1,000,000.
//
// The worker runs under `wrangler dev` with the bench-only entry bench/workerd/stats-seed-worker.ts (production
// worker plus a seeding route). Both campaigns' CampaignStats objects are filled through their record() RPC in
// chunks, then read over loopback from Node, one request at a time, timed with Node's clock (microseconds). Rounds
// alternate which campaign goes first; each round gives a median and a p99 per campaign and their ratio.
import { TEST_API_TOKEN } from "../test/support/secrets.ts";
import { startLocalWorker, type LocalWorker } from "./local-worker.ts";
import { summarize, type Summary } from "./stats.ts";
import { SEED_PATH, type SeedRequest } from "./workerd/stats-seed.ts";

const AUTH = { authorization: `Bearer ${TEST_API_TOKEN}` };

export interface StatsCampaign {
  events: number;
  contacts: number;
  /** Wall seconds to seed it, and the events per record() call. */
  seedSeconds: number;
  chunk: number;
  p50: Summary;
  p99: Summary;
  reads: number;
}

export interface StatsReadResult {
  rounds: number;
  readsPerRound: number;
  small: StatsCampaign;
  large: StatsCampaign;
  /** large ÷ small, per round. */
  ratio: { p50: Summary; p99: Summary };
  script: string;
}

interface Plan {
  id: string;
  events: number;
  contacts: number;
  chunk: number;
}

async function seed(worker: LocalWorker, plan: Plan, log: (line: string) => void): Promise<number> {
  // About ten seconds of seeding per HTTP request: progress shows, and no proxy timeout is ever near.
  const perRequest = Math.min(plan.events, Math.max(plan.chunk, 100_000));
  const started = performance.now();
  let applied = 0;
  for (let from = 0; from < plan.events; from += perRequest) {
    const body: SeedRequest = {
      campaignId: plan.id,
      from,
      count: Math.min(perRequest, plan.events - from),
      chunk: plan.chunk,
      contacts: plan.contacts,
      total: plan.events,
    };
    const res = await fetch(worker.origin + SEED_PATH, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`seeding ${plan.id} failed: ${res.status} ${await res.text()}`);
    applied += ((await res.json()) as { applied: number }).applied;
    if (from > 0 && (from / perRequest) % 3 === 0)
      log(`  ${plan.id}: ${from + body.count} of ${plan.events} events (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  if (applied !== plan.events) throw new Error(`${plan.id}: ${applied} of ${plan.events} events applied`);
  return (performance.now() - started) / 1000;
}

async function readStats(worker: LocalWorker, id: string): Promise<{ ms: number; sent: number }> {
  const started = performance.now();
  const res = await fetch(`${worker.origin}/api/campaigns/${id}/stats`, { headers: AUTH });
  const body = (await res.json()) as { sent: number };
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`stats for ${id}: ${res.status}`);
  return { ms, sent: body.sent };
}

function p(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function statsReadBench(
  options: { rounds: number; readsPerRound: number; largeEvents?: number; chunk?: number },
  log: (line: string) => void,
): Promise<StatsReadResult> {
  const script = "bench/workerd/stats-seed-worker.ts";
  const chunk = options.chunk ?? Number(process.env.BENCH_STATS_CHUNK ?? 50_000);
  const large = options.largeEvents ?? 1_000_000;
  const plans: Plan[] = [
    { id: `stats-1k-${Date.now()}`, events: 1000, contacts: 200, chunk },
    { id: `stats-1m-${Date.now()}`, events: large, contacts: Math.max(200, large / 5), chunk },
  ];
  const worker = await startLocalWorker({ log, script });
  try {
    const seeded: number[] = [];
    for (const plan of plans) {
      log(`seeding ${plan.id}: ${plan.events} events, ${plan.contacts} contacts, record() chunks of ${plan.chunk}`);
      seeded.push(await seed(worker, plan, log));
      // One send per eight events (stats-seed-worker.ts): the counters hold every event.
      const { sent } = await readStats(worker, plan.id);
      if (sent !== Math.ceil(plan.events / 8)) throw new Error(`${plan.id}: sent ${sent}, expected ${Math.ceil(plan.events / 8)}`);
      log(`  seeded in ${seeded.at(-1)!.toFixed(1)} s`);
    }
    // Warm both objects and the connection before timing.
    for (const plan of plans) for (let i = 0; i < 20; i++) await readStats(worker, plan.id);

    const perRound: Array<{ p50: number[]; p99: number[] }> = plans.map(() => ({ p50: [], p99: [] }));
    const all: number[][] = plans.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const ms: number[] = [];
        for (let i = 0; i < options.readsPerRound; i++) ms.push((await readStats(worker, plans[k]!.id)).ms);
        perRound[k]!.p50.push(p(ms, 0.5));
        perRound[k]!.p99.push(p(ms, 0.99));
        all[k]!.push(...ms);
      }
    }
    const campaign = (k: number): StatsCampaign => ({
      events: plans[k]!.events,
      contacts: plans[k]!.contacts,
      seedSeconds: seeded[k]!,
      chunk: plans[k]!.chunk,
      p50: summarize(perRound[k]!.p50),
      p99: summarize(perRound[k]!.p99),
      reads: all[k]!.length,
    });
    const ratio = (key: "p50" | "p99") => summarize(perRound[1]![key].map((v, r) => v / perRound[0]![key][r]!));
    return {
      rounds: options.rounds,
      readsPerRound: options.readsPerRound,
      small: campaign(0),
      large: campaign(1),
      ratio: { p50: ratio("p50"), p99: ratio("p99") },
      script,
    };
  } finally {
    await worker.stop();
  }
}

// Alone: `npx tsx bench/stats-read.ts [events]` prints the result (a quick check without the whole bench).
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await statsReadBench({ rounds: 3, readsPerRound: 100, largeEvents: Number(process.argv[2] ?? 1_000_000) }, (l) =>
    console.log(`[stats] ${l}`),
  );
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
