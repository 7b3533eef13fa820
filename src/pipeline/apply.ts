// Applying events to storage: the one function every consumer path calls, idempotent on event ids.

import { campaignSpans, upsertCampaignStatements } from "../db/campaigns";
import { database, runBatch } from "../db/client";
import { insertEventStatements } from "../db/events";
import type { TrackingEvent } from "../domain/events";
import { countEvents } from "../stats/counters";

/**
 * Store the events in one D1 batch (one round trip, one transaction), then count them: one call per
 * campaign's counters. D1 comes first so a rebuild from D1 can always reach what was counted. If either
 * step fails the whole message is retried; D1 skips stored ids and the counters skip applied ids, so
 * replaying the same events, in whole or in part, changes nothing.
 */
export async function applyEvents(env: Env, list: readonly TrackingEvent[]): Promise<void> {
  if (list.length === 0) return;
  const db = database(env.DB);
  await runBatch(db, [...insertEventStatements(db, list), ...upsertCampaignStatements(db, campaignSpans(list))]);
  await countEvents(env.CAMPAIGN_STATS, list);
}
