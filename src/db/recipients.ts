// A campaign's recipients by how they engaged: as people, only through machines, or not as people at all.

import { numbered, type Db } from "./client";

export const ENGAGED = ["human", "machine", "none"] as const;
export type Engaged = (typeof ENGAGED)[number];

export interface RecipientSpec {
  campaignId: string;
  engaged: Engaged;
  /** Only clicks of this (normalised) destination count as engagement; null for any open or click. */
  link: string | null;
  /** The last contact id of the previous page ("" for the first page). */
  after: string;
  limit: number;
}

export interface RecipientRow {
  contact_id: string;
  email: string | null;
  human_first: number | null;
  human_last: number | null;
  machine_first: number | null;
  machine_last: number | null;
}

const WHO: Record<Engaged, string> = {
  human: "human_first IS NOT NULL",
  machine: "human_first IS NULL AND machine_first IS NOT NULL",
  none: "human_first IS NULL",
};

/**
 * Keyset pages in contact order over the campaign's sends (events_campaign_type_contact_time), each contact's
 * engagement an index lookup on the same index. A verdict-less open or click (stored before classification) counts
 * as a person's: nobody is called unengaged on a guess.
 */
export function recipientQuery(spec: RecipientSpec): { sql: string; params: unknown[] } {
  const types = spec.link === null ? "('open', 'click')" : "('click')";
  const link = spec.link === null ? "" : " AND x.link = ?4";
  const engagement = (fn: "min" | "max", verdict: string) =>
    `(SELECT ${fn}(x.occurred_at) FROM events x WHERE x.campaign_id = ?1 AND x.type IN ${types} AND x.contact_id = s.contact_id AND ${verdict}${link})`;
  const params: unknown[] = [spec.campaignId, spec.after, spec.limit];
  if (spec.link !== null) params.push(spec.link);
  return {
    sql: `SELECT * FROM (SELECT s.contact_id, max(s.email) AS email,
  ${engagement("min", "x.machine IS NOT 1")} AS human_first,
  ${engagement("max", "x.machine IS NOT 1")} AS human_last,
  ${engagement("min", "x.machine = 1")} AS machine_first,
  ${engagement("max", "x.machine = 1")} AS machine_last
FROM events s WHERE s.campaign_id = ?1 AND s.type = 'send' AND s.contact_id > ?2
GROUP BY s.contact_id ORDER BY s.contact_id) WHERE ${WHO[spec.engaged]} LIMIT ?3`,
    params,
  };
}

/** Kept as SQL: recipients.test.ts asks SQLite's planner about this exact text. */
export async function recipientPage(db: Db, spec: RecipientSpec): Promise<RecipientRow[]> {
  const { sql, params } = recipientQuery(spec);
  return db.all<RecipientRow>(numbered(sql, params));
}
