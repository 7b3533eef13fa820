// Reading a campaign's stored events back in pages, in the shape the counters take (for a rebuild).

import { numbered, type Db } from "../db/client";
import type { EventType } from "../domain/events";
import { audienceOf } from "./audience-facts";
import type { CountedEvent } from "./counting";

/** Where the next page starts: keyset on (occurred_at, rowid), which the events_campaign_time index holds in order. */
export interface PageCursor {
  occurredAt: number;
  seq: number;
}

interface Row {
  seq: number;
  id: string;
  type: EventType;
  contact_id: string | null;
  occurred_at: number;
  link: string | null;
  link_index: number | null;
  bounce_type: unknown;
  source: unknown;
  machine: number | null;
  machine_reason: string | null;
  unsubscribe_all: unknown;
  user_agent: string | null;
}

/**
 * Only the metadata fields the counters read are extracted, so a page stays small whatever the metadata holds. Kept
 * as SQL: segments.test.ts asks SQLite's planner about this exact text (the events_campaign_time walk).
 */
export const CAMPAIGN_EVENTS_PAGE_SQL = `SELECT rowid AS seq, id, type, contact_id, occurred_at, link, link_index,
  json_extract(metadata, '$.bounceType') AS bounce_type,
  json_extract(metadata, '$.source') AS source,
  machine, machine_reason, user_agent,
  json_extract(metadata, '$.unsubscribeAll') AS unsubscribe_all
FROM events
WHERE campaign_id = ?1 AND (occurred_at, rowid) > (?2, ?3)
ORDER BY occurred_at, rowid
LIMIT ?4`;

export async function campaignEventsPage(
  db: Db,
  campaignId: string,
  after: PageCursor | null,
  limit: number,
): Promise<{ events: CountedEvent[]; next: PageCursor | null }> {
  const results = await db.all<Row>(
    numbered(CAMPAIGN_EVENTS_PAGE_SQL, [campaignId, after?.occurredAt ?? Number.MIN_SAFE_INTEGER, after?.seq ?? Number.MIN_SAFE_INTEGER, limit]),
  );
  const last = results.at(-1);
  return {
    events: results.map((r) => ({
      ...rebuilt(r),
      // The breakdown's agents are stored; its countries are not (so a rebuild has none).
      audience: audienceOf({
        type: r.type,
        machine: r.machine === 1,
        source: typeof r.source === "string" ? r.source : null,
        userAgent: r.user_agent,
        country: null,
      }),
    })),
    next: last && results.length === limit ? { occurredAt: last.occurred_at, seq: last.seq } : null,
  };
}

function rebuilt(r: Row): CountedEvent {
  return {
    id: r.id,
    type: r.type,
    contactId: r.contact_id,
    occurredAt: r.occurred_at,
    link: r.link,
    linkIndex: r.link_index,
    bounceType: typeof r.bounce_type === "string" ? r.bounce_type : null,
    source: typeof r.source === "string" ? r.source : null,
    machine: r.machine === 1,
    machineReason: r.machine_reason,
    // json_extract gives JSON true as 1.
    unsubscribeAll: r.unsubscribe_all === 1,
  };
}
