// The campaigns list: kept beside the events (one upsert per campaign per batch) and read newest first.

import { and, desc, eq, getTableColumns, lt, or, sql } from "drizzle-orm";
import type { TrackingEvent } from "../domain/events";
import { chunk, rowsPerStatement } from "../lib/chunk";
import type { Db, Statement } from "./client";
import { campaigns } from "./schema";

export type CampaignRow = typeof campaigns.$inferSelect;

/** One row per campaign the events name, spanning their times; events without a campaign name none. */
export function campaignSpans(list: readonly Pick<TrackingEvent, "campaignId" | "occurredAt">[]): CampaignRow[] {
  const spans = new Map<string, CampaignRow>();
  for (const e of list) {
    if (e.campaignId === null) continue;
    const at = Math.round(e.occurredAt);
    const span = spans.get(e.campaignId);
    if (!span) spans.set(e.campaignId, { id: e.campaignId, firstEventAt: at, lastEventAt: at });
    else {
      span.firstEventAt = Math.min(span.firstEventAt, at);
      span.lastEventAt = Math.max(span.lastEventAt, at);
    }
  }
  return [...spans.values()];
}

const CAMPAIGN_COLUMNS = Object.keys(getTableColumns(campaigns)).length;

/** Upserts that only widen a campaign's span, so replaying them changes nothing. */
export function upsertCampaignStatements(db: Db, rows: readonly CampaignRow[]): Statement[] {
  return chunk(rows, rowsPerStatement(CAMPAIGN_COLUMNS)).map((part) =>
    db
      .insert(campaigns)
      .values(part)
      .onConflictDoUpdate({
        target: campaigns.id,
        set: {
          firstEventAt: sql`min(${campaigns.firstEventAt}, excluded.first_event_at)`,
          lastEventAt: sql`max(${campaigns.lastEventAt}, excluded.last_event_at)`,
        },
      }),
  );
}

export interface CampaignCursor {
  lastEventAt: number;
  id: string;
}

/** Campaigns with the most recent activity first; keyset-paginated on (last_event_at, id) by the campaigns_recent index. */
export async function listCampaigns(db: Db, after: CampaignCursor | null, limit: number): Promise<CampaignRow[]> {
  const query = db.select().from(campaigns);
  const page = after
    ? query.where(or(lt(campaigns.lastEventAt, after.lastEventAt), and(eq(campaigns.lastEventAt, after.lastEventAt), lt(campaigns.id, after.id))))
    : query;
  return page.orderBy(desc(campaigns.lastEventAt), desc(campaigns.id)).limit(limit);
}
