// Segment queries over D1: contacts who did an event within a window, or who were sent to and did not.

import type { EventType } from "../domain/events";
import { numbered, type Db } from "./client";

export interface SegmentSpec {
  /** "did": did `type` at or after `since`; "didNot": was sent to (ever, in the campaign if one is given) and did not. */
  mode: "did" | "didNot";
  type: EventType;
  /** Milliseconds since the epoch; 0 for any time. */
  since: number;
  campaignId: string | null;
  /** The last contact id of the previous page ("" for the first page). */
  after: string;
  limit: number;
}

export interface SegmentRow {
  contact_id: string;
  /** "did": the contact's latest such event in the window; "didNot": their latest send. */
  last_at: number;
}

/**
 * Keyset pages in contact order. Each query walks events_type_contact_time (or, per campaign,
 * events_campaign_type_contact_time) from the cursor on: the contacts come out already grouped and
 * ordered, the time test is answered from the index, and "did not" is an index lookup per contact.
 */
export function segmentQuery(spec: SegmentSpec): { sql: string; params: unknown[] } {
  const inCampaign = (alias: string) => (spec.campaignId === null ? "" : ` AND ${alias}.campaign_id = ?5`);
  const params: unknown[] = [spec.type, spec.after, spec.since, spec.limit];
  if (spec.campaignId !== null) params.push(spec.campaignId);
  if (spec.mode === "did") {
    return {
      sql: `SELECT e.contact_id, max(e.occurred_at) AS last_at FROM events e
WHERE e.type = ?1${inCampaign("e")} AND e.contact_id > ?2 AND e.occurred_at >= ?3
GROUP BY e.contact_id ORDER BY e.contact_id LIMIT ?4`,
      params,
    };
  }
  return {
    sql: `SELECT s.contact_id, max(s.occurred_at) AS last_at FROM events s
WHERE s.type = 'send'${inCampaign("s")} AND s.contact_id > ?2
  AND NOT EXISTS (SELECT 1 FROM events x WHERE x.type = ?1${inCampaign("x")} AND x.contact_id = s.contact_id AND x.occurred_at >= ?3)
GROUP BY s.contact_id ORDER BY s.contact_id LIMIT ?4`,
    params,
  };
}

/** Kept as SQL: segments.test.ts asks SQLite's planner about this exact text, to hold the index walk above. */
export async function segmentPage(db: Db, spec: SegmentSpec): Promise<SegmentRow[]> {
  const { sql, params } = segmentQuery(spec);
  return db.all<SegmentRow>(numbered(sql, params));
}
