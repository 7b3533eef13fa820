// Every campaign counter recomputed from the events stored in D1, in plain SQL, to check the Durable Object counters.
//
// Written independently of src/stats/counting.ts (the rules as docs/API.md states them), so the two check each other:
// SES's own opens and clicks (metadata.source "ses") and machine ones are kept apart, unique counts are distinct
// contacts, and an unsubscribe is an `unsubscribe` or a `subscription` with metadata.unsubscribeAll, once per contact.
import { COUNTERS, type Counts } from "../../src/stats/counting.ts";

const SOURCE = "json_extract(metadata, '$.source')";
/** The consumer's verdict (null for events other than opens and clicks, and rows older than classification). */
const MACHINE = "machine";
/** A pixel open or redirect click by a person: not reported by SES, not flagged as a machine. */
const human = (type: string) => `type = '${type}' AND ${SOURCE} IS NOT 'ses' AND ${MACHINE} IS NOT 1`;
const machine = (type: string) => `type = '${type}' AND ${SOURCE} IS NOT 'ses' AND ${MACHINE} IS 1`;
const ses = (type: string) => `type = '${type}' AND ${SOURCE} IS 'ses'`;
const count = (where: string) => `count(CASE WHEN ${where} THEN 1 END)`;
const distinctContacts = (where: string) => `count(DISTINCT CASE WHEN ${where} THEN contact_id END)`;

const COLUMNS: Record<keyof Counts, string> = {
  sent: count("type = 'send'"),
  delivered: count("type = 'delivery'"),
  rejected: count("type = 'reject'"),
  bouncesHard: count("type = 'bounce' AND json_extract(metadata, '$.bounceType') IS 'Permanent'"),
  bouncesSoft: count("type = 'bounce' AND json_extract(metadata, '$.bounceType') IS NOT 'Permanent'"),
  complaints: count("type = 'complaint'"),
  deliveryDelays: count("type = 'delivery_delay'"),
  renderingFailures: count("type = 'rendering_failure'"),
  subscriptionChanges: count("type = 'subscription'"),
  unsubscribeEvents: count("type = 'unsubscribe'"),
  unsubscribes: distinctContacts("type = 'unsubscribe' OR (type = 'subscription' AND json_extract(metadata, '$.unsubscribeAll') IS 1)"),
  opens: count(human("open")),
  opensUnique: distinctContacts(human("open")),
  opensMachine: count(machine("open")),
  opensSes: count(ses("open")),
  clicks: count(human("click")),
  clicksUnique: distinctContacts(human("click")),
  clicksMachine: count(machine("click")),
  clicksSes: count(ses("click")),
};

/**
 * One row per campaign whose id starts with ?1 (a LIKE prefix: letters, digits and dashes only), holding
 * `campaign` and one column per counter.
 */
export const COUNTS_FROM_D1_SQL = `SELECT campaign_id AS campaign, ${COUNTERS.map((c) => `${COLUMNS[c]} AS ${c}`).join(", ")}
FROM events WHERE campaign_id LIKE ?1 || '%' GROUP BY campaign_id ORDER BY campaign_id`;

export type CampaignCountsRow = { campaign: string } & Counts;

/** The rows as a map from campaign id to its counts (every counter present). */
export function countsByCampaign(rows: readonly CampaignCountsRow[]): Map<string, Counts> {
  return new Map(rows.map(({ campaign, ...counts }) => [campaign, Object.fromEntries(COUNTERS.map((c) => [c, Number(counts[c])])) as Counts]));
}

/** What countsFromD1 needs of a D1 binding (this module also runs in Node, without the Workers types). */
interface D1Like {
  prepare(sql: string): { bind(...values: unknown[]): { all<T>(): Promise<{ results: T[] }> } };
}

/** Every counter of the campaigns whose id starts with `prefix`, recomputed from D1. */
export async function countsFromD1(db: D1Like, prefix: string): Promise<Map<string, Counts>> {
  const { results } = await db.prepare(COUNTS_FROM_D1_SQL).bind(prefix).all<CampaignCountsRow>();
  return countsByCampaign(results);
}
