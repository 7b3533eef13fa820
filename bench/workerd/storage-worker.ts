// Bench-only worker entry (`bench/storage.ts`): the production worker and its Durable Objects unchanged, each given
// bindings that tally what the platform bills (bench/workerd/storage-tally.ts), plus `GET /__bench/tallies`.
//
// Started only by bench/storage.ts (a generated config whose `main` is this file); `wrangler deploy` builds
// src/index.ts, so neither the tallies nor the route ever ship.
import worker, { AccountCounters as ProductionCounters, AccountGuard as ProductionGuard, CampaignStats as ProductionStats } from "../../src/index";
import { TALLIES_PATH, type TalliesAnswer } from "./storage-route";
import { countedD1, countedQueue, countSql, readTallies, type Tally } from "./storage-tally";

type Tallies = ReturnType<typeof readTallies>;

const wrapped = new WeakMap<Env, Env>();

/** The env with D1 and every queue producer counted; one per env object, so bindings keep their identity. */
function countedEnv(env: Env): Env {
  let e = wrapped.get(env);
  if (!e) {
    e = {
      ...env,
      DB: countedD1(env.DB, "d1"),
      EVENTS: countedQueue(env.EVENTS, "queue:events"),
      SEND_QUEUE: countedQueue(env.SEND_QUEUE, "queue:send"),
      WEBHOOK_QUEUE: countedQueue(env.WEBHOOK_QUEUE, "queue:webhooks"),
    };
    wrapped.set(env, e);
  }
  return e;
}

export class CampaignStats extends ProductionStats {
  constructor(ctx: DurableObjectState, env: Env) {
    super(countSql(ctx, "do:CampaignStats"), countedEnv(env));
  }
  benchTallies(): Tallies {
    return readTallies();
  }
}

export class AccountGuard extends ProductionGuard {
  constructor(ctx: DurableObjectState, env: Env) {
    super(countSql(ctx, "do:AccountGuard"), countedEnv(env));
  }
  benchTallies(): Tallies {
    return readTallies();
  }
}

export class AccountCounters extends ProductionCounters {
  constructor(ctx: DurableObjectState, env: Env) {
    super(countSql(ctx, "do:AccountCounters"), countedEnv(env));
  }
}

/** Two isolates' tallies added store by store. */
function sum(a: Record<string, Tally>, b: Record<string, Tally>): Record<string, Tally> {
  const out: Record<string, Tally> = structuredClone(a);
  for (const [store, t] of Object.entries(b)) {
    const o = (out[store] ??= { rowsWritten: 0, rowsRead: 0, statements: 0, messages: 0, messageBytes: 0 });
    for (const k of Object.keys(t) as (keyof Tally)[]) o[k] += t[k];
  }
  return out;
}

/** Messages each queue's consumer was handed (redeliveries included). */
const consumed: Record<string, number> = {};

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== TALLIES_PATH) return worker.fetch(request, countedEnv(env), ctx);
    if (request.headers.get("authorization") !== `Bearer ${env.API_TOKEN}`) return new Response("unauthorized", { status: 401 });
    const guard = env.ACCOUNT_GUARD.get(env.ACCOUNT_GUARD.idFromName("account")) as unknown as { benchTallies(): Promise<Tallies> };
    const objects = await guard.benchTallies();
    const mine = readTallies();
    // Objects may share the worker's isolate (then one map holds everything) or run in their own.
    const tallies = objects.isolate === mine.isolate ? mine.tallies : sum(mine.tallies, objects.tallies);
    return Response.json({ tallies, consumed, sameIsolate: objects.isolate === mine.isolate } satisfies TalliesAnswer);
  },
  async queue(batch, env, ctx) {
    consumed[batch.queue] = (consumed[batch.queue] ?? 0) + batch.messages.length;
    return worker.queue!(batch, countedEnv(env), ctx);
  },
  scheduled: (controller, env, ctx) => worker.scheduled!(controller, countedEnv(env), ctx),
} satisfies ExportedHandler<Env>;
