// When each (campaign, contact) was first sent to: the send time human-or-machine classification is told about.

import { chunk, D1_MAX_BOUND_PARAMETERS } from "../lib/chunk";

export interface Recipient {
  campaignId: string;
  contactId: string;
}

export function recipientKey(r: Recipient): string {
  return `${r.campaignId}\n${r.contactId}`;
}

/** Contacts per statement: the campaign id takes one bound parameter. */
const CONTACTS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/**
 * The earliest `send` event of each recipient, keyed by recipientKey; recipients with none are absent. One D1 round
 * trip for the whole list (statements per campaign, chunked under the bound-parameter limit), each answered from the
 * events_campaign_type_contact_time index.
 */
export async function firstSendTimes(d1: D1Database, recipients: readonly Recipient[]): Promise<Map<string, number>> {
  const byCampaign = new Map<string, Set<string>>();
  for (const r of recipients) {
    let contacts = byCampaign.get(r.campaignId);
    if (!contacts) byCampaign.set(r.campaignId, (contacts = new Set()));
    contacts.add(r.contactId);
  }
  const queries = [...byCampaign].flatMap(([campaignId, contacts]) =>
    chunk([...contacts], CONTACTS_PER_STATEMENT).map((part) => ({
      campaignId,
      statement: d1
        .prepare(
          `SELECT contact_id, min(occurred_at) AS sent_at FROM events
           WHERE campaign_id = ? AND type = 'send' AND contact_id IN (${part.map(() => "?").join(", ")})
           GROUP BY contact_id`,
        )
        .bind(campaignId, ...part),
    })),
  );
  const out = new Map<string, number>();
  if (queries.length === 0) return out;
  const results = await d1.batch<{ contact_id: string; sent_at: number }>(queries.map((q) => q.statement));
  results.forEach((result, i) => {
    for (const row of result.results) out.set(recipientKey({ campaignId: queries[i]!.campaignId, contactId: row.contact_id }), row.sent_at);
  });
  return out;
}
