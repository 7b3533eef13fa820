// The AccountCounters Durable Objects: the account-wide counters /metrics serves, sharded SHARDS ways by campaign.
//
// Each CampaignStats object sends its whole counters here (not deltas) with a sequence number that only grows; the
// shard keeps the last one applied per campaign and moves its totals by the difference. A retried or late report
// (same or lower seq) changes nothing, and a relabel or a rebuild is carried by the next report like any change, so
// the totals are exactly the sum of the campaigns' own counters once every report has landed.

import { DurableObject } from "cloudflare:workers";
import { migrateObject } from "../db/object-migrations";
import migrations from "../stats/account-counters/migrations/migrations.js";

/** Shards: one campaign always reports to the same one; a scrape reads all of them. */
export const SHARDS = 8;

export type CounterValues = Record<string, number>;

/** FNV-1a of the campaign id: stable across isolates and deploys, so a campaign never moves shard. */
export function shardOf(campaignId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < campaignId.length; i++) {
    h ^= campaignId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SHARDS;
}

export function accountCounters(ns: DurableObjectNamespace<AccountCounters>, shard: number): DurableObjectStub<AccountCounters> {
  return ns.get(ns.idFromName(`shard-${shard}`));
}

/** The sum of every shard's totals: SHARDS calls, whatever the number of campaigns. */
export async function accountTotals(ns: DurableObjectNamespace<AccountCounters>): Promise<CounterValues> {
  const all = await Promise.all(Array.from({ length: SHARDS }, (_, i) => accountCounters(ns, i).totals()));
  const sum: CounterValues = {};
  for (const shard of all) for (const [name, n] of Object.entries(shard)) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

export class AccountCounters extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => migrateObject(ctx.storage, migrations));
  }

  /** Apply a campaign's counters if `seq` is newer than the last applied; answers whether it was. */
  apply(campaignId: string, seq: number, counts: CounterValues): { applied: boolean } {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const prev = sql.exec<{ seq: number; counts: string }>("SELECT seq, counts FROM campaigns WHERE campaign_id = ?", campaignId).toArray()[0];
      if (prev && prev.seq >= seq) return { applied: false };
      const old = prev ? (JSON.parse(prev.counts) as CounterValues) : {};
      for (const name of new Set([...Object.keys(old), ...Object.keys(counts)])) {
        const delta = (counts[name] ?? 0) - (old[name] ?? 0);
        if (delta !== 0) sql.exec("INSERT INTO totals (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n", name, delta);
      }
      sql.exec(
        "INSERT INTO campaigns (campaign_id, seq, counts) VALUES (?, ?, ?) ON CONFLICT (campaign_id) DO UPDATE SET seq = excluded.seq, counts = excluded.counts",
        campaignId,
        seq,
        JSON.stringify(counts),
      );
      return { applied: true };
    });
  }

  /** The shard's totals: one row per counter. */
  totals(): CounterValues {
    const rows = this.ctx.storage.sql.exec<{ name: string; n: number }>("SELECT name, n FROM totals").toArray();
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  }
}
