// Reaching the counters: one CampaignStats object per campaign, one call per campaign per batch.

import type { TrackingEvent } from "../domain/events";
import type { GuardNotice } from "../guard/pause-store";
import type { ClickWindowEntry } from "../machine/window";
import type { CampaignStats } from "./campaign-stats";
import type { CampaignGuardState } from "../guard/pause-store";
import { countedEvent, type CountedEvent } from "../stats/counting";
import { statsReport, type CampaignStatsReport } from "../stats/report";

export function campaignStats(ns: DurableObjectNamespace<CampaignStats>, campaignId: string): DurableObjectStub<CampaignStats> {
  return ns.get(ns.idFromName(campaignId));
}

/** The events grouped by campaign, in arrival order; events that name no campaign are not counted anywhere. */
type Countable = TrackingEvent & { clickWindow?: ClickWindowEntry | null; provider?: string | null };

export function byCampaign(list: readonly Countable[]): Map<string, CountedEvent[]> {
  const groups = new Map<string, CountedEvent[]>();
  for (const e of list) {
    if (e.campaignId === null) continue;
    let group = groups.get(e.campaignId);
    if (!group) groups.set(e.campaignId, (group = []));
    group.push(countedEvent(e));
  }
  return groups;
}

/**
 * Count the events: every campaign's object is called once, all in parallel. If any call fails this
 * throws, the queue message is retried, and the objects that did count skip the ids they already applied.
 * Resolves to the guards' pauses not yet announced (a retried message gets them again until acknowledged).
 */
export async function countEvents(ns: DurableObjectNamespace<CampaignStats>, list: readonly Countable[]): Promise<GuardNotice[]> {
  const calls = [...byCampaign(list)].map(([campaignId, events]) => campaignStats(ns, campaignId).record(events, campaignId));
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.flatMap((r) => (r.status === "fulfilled" ? (r.value.notices ?? []) : []));
}

/** A campaign's stats as the API answers them, with its own guard's state: one call to its counters. */
export async function campaignReport(
  ns: DurableObjectNamespace<CampaignStats>,
  campaignId: string,
): Promise<CampaignStatsReport & { guard: CampaignGuardState }> {
  const { counts, machineByReason, guard } = await campaignStats(ns, campaignId).summary();
  return { ...statsReport(campaignId, counts, machineByReason), guard };
}
