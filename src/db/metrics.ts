// What /metrics reads from D1: counts by state over indexed columns, and the campaigns active lately.

import { count, desc, eq, gte } from "drizzle-orm";
import type { Db } from "./client";
import { campaigns, deadLetters, deliveries, webhookDeliveries } from "./schema";

export interface StateCount {
  state: string;
  n: number;
}

/**
 * Sends by state: a GROUP BY over the `deliveries_state` index (state first), so it reads that index, not the rows.
 * Webhook deliveries by state: webhook_deliveries has no index on state, so this reads the table (kept
 * RETENTION_DAYS). Dead letters pending: the `dead_letters_replay` index's `pending` range. One D1 batch.
 */
export async function stateCounts(db: Db): Promise<{ sends: StateCount[]; webhooks: StateCount[]; deadLettersPending: number }> {
  const [sends, webhooks, dead] = await db.batch([
    db.select({ state: deliveries.state, n: count() }).from(deliveries).groupBy(deliveries.state),
    db.select({ state: webhookDeliveries.state, n: count() }).from(webhookDeliveries).groupBy(webhookDeliveries.state),
    db.select({ n: count() }).from(deadLetters).where(eq(deadLetters.status, "pending")),
  ]);
  return { sends, webhooks, deadLettersPending: dead[0]?.n ?? 0 };
}

/** The campaigns with an event since `since`, latest first, at most `limit`: the `campaigns_recent` index. */
export async function activeCampaigns(db: Db, since: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(gte(campaigns.lastEventAt, since))
    .orderBy(desc(campaigns.lastEventAt), desc(campaigns.id))
    .limit(limit);
  return rows.map((r) => r.id);
}
