// The sunset segment: contacts sent at least N mails since a time with no human open or click since then.

import { numbered, type Db } from "./client";

export interface SunsetSpec {
  minSends: number;
  /** Milliseconds since the epoch: the window's start. */
  since: number;
  /** Suppressions still in force at this time leave a contact out. */
  now: number;
}

export interface SunsetRow {
  contact_id: string;
  email: string;
  sends: number;
  last_sent: number;
}

/**
 * Every contact the policy names now, in contact order: the window's sends walked on events_type_contact_time (the
 * time test answered from the index), a person's open or click an index lookup on the same index. Machine opens and
 * clicks do not count; verdict-less ones (stored before classification) do, so nobody is sunset on a guess. Already
 * suppressed contacts are left out (repeating an apply skips them), and so is anyone whose suppression was lifted by
 * hand within the window: the operator's word outranks the policy.
 */
function candidates(spec: SunsetSpec): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT * FROM (SELECT s.contact_id, max(s.email) AS email, count(*) AS sends, max(s.occurred_at) AS last_sent
FROM events s WHERE s.type = 'send' AND s.contact_id > ?1 AND s.occurred_at >= ?2 AND s.email IS NOT NULL
GROUP BY s.contact_id ORDER BY s.contact_id) g
WHERE g.sends >= ?3
  AND NOT EXISTS (SELECT 1 FROM events x WHERE x.type IN ('open', 'click') AND x.contact_id = g.contact_id AND x.occurred_at >= ?2 AND x.machine IS NOT 1)
  AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email_key = lower(g.email) AND (p.expires_at IS NULL OR p.expires_at > ?4))
  AND NOT EXISTS (SELECT 1 FROM suppression_lifts l WHERE l.email_key = lower(g.email) AND l.lifted_at >= ?2)`,
    params: [spec.since, spec.minSends, spec.now],
  };
}

/** One page after `after` (a contact id, "" for the first). */
export function sunsetPageQuery(spec: SunsetSpec, after: string, limit: number): { sql: string; params: unknown[] } {
  const { sql, params } = candidates(spec);
  return { sql: `${sql}\nLIMIT ?5`, params: [after, ...params, limit] };
}

export function sunsetCountQuery(spec: SunsetSpec): { sql: string; params: unknown[] } {
  const { sql, params } = candidates(spec);
  return { sql: `SELECT count(*) AS n FROM (${sql})`, params: ["", ...params] };
}

/** Kept as SQL: sunset.test.ts asks SQLite's planner about this exact text. */
export async function sunsetPage(db: Db, spec: SunsetSpec, after: string, limit: number): Promise<SunsetRow[]> {
  const { sql, params } = sunsetPageQuery(spec, after, limit);
  return db.all<SunsetRow>(numbered(sql, params));
}

/** How many the policy names: a walk of the window's sends (the index only, and a lookup for each contact in it). */
export async function sunsetCount(db: Db, spec: SunsetSpec): Promise<number> {
  const { sql, params } = sunsetCountQuery(spec);
  const rows = await db.all<{ n: number }>(numbered(sql, params));
  return rows[0]?.n ?? 0;
}
