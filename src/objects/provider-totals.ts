// The account's counts per mailbox provider: the campaigns' own counts, summed over the D1 campaigns list.
//
// Cost: one CampaignStats call per campaign summed (each a read of its counters rows), 100 in parallel at a time,
// at most MAX_CAMPAIGNS of them, the most recently active first. Nothing is counted twice: each campaign's object is
// its own shard, and no global object holds a total.

import { listCampaigns, type CampaignCursor } from "../db/campaigns";
import type { Db } from "../db/client";
import type { ProviderCounts } from "../stats/provider-counts";
import { sumProviders } from "../stats/provider-report";
import type { CampaignStats } from "./campaign-stats";
import { campaignStats } from "./stats-client";

export const MAX_CAMPAIGNS = 1000;
const PAGE = 100;

export async function accountProviderCounts(
  db: Db,
  ns: DurableObjectNamespace<CampaignStats>,
): Promise<{ counts: Record<string, ProviderCounts>; campaigns: number; complete: boolean }> {
  const all: Array<Record<string, ProviderCounts>> = [];
  let after: CampaignCursor | null = null;
  for (;;) {
    const rows = await listCampaigns(db, after, Math.min(PAGE, MAX_CAMPAIGNS - all.length + 1));
    const take = rows.slice(0, MAX_CAMPAIGNS - all.length);
    all.push(...(await Promise.all(take.map((row) => campaignStats(ns, row.id).providers()))));
    if (take.length < rows.length) return { counts: sumProviders(all), campaigns: all.length, complete: false };
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return { counts: sumProviders(all), campaigns: all.length, complete: true };
    after = { lastEventAt: last.lastEventAt, id: last.id };
  }
}
