// When each (campaign, contact) was first sent to: the send time human-or-machine classification is told about.

import { and, eq, inArray, min, sql } from "drizzle-orm";
import { chunk, D1_MAX_BOUND_PARAMETERS } from "../lib/chunk";
import type { Db } from "./client";
import { events } from "./schema";

export interface Recipient {
  campaignId: string;
  contactId: string;
}

export function recipientKey(r: Recipient): string {
  return `${r.campaignId}\n${r.contactId}`;
}

/** Contacts per statement: the campaign id takes one bound parameter (the type is written in the SQL, not bound). */
const CONTACTS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/**
 * The earliest `send` event of each recipient, keyed by recipientKey; recipients with none are absent. One D1 round
 * trip for the whole list (statements per campaign, chunked under the bound-parameter limit), each answered from the
 * events_campaign_type_contact_time index.
 */
export async function firstSendTimes(db: Db, recipients: readonly Recipient[]): Promise<Map<string, number>> {
  const byCampaign = new Map<string, Set<string>>();
  for (const r of recipients) {
    let contacts = byCampaign.get(r.campaignId);
    if (!contacts) byCampaign.set(r.campaignId, (contacts = new Set()));
    contacts.add(r.contactId);
  }
  const queries = [...byCampaign].flatMap(([campaignId, contacts]) =>
    chunk([...contacts], CONTACTS_PER_STATEMENT).map((part) => ({
      campaignId,
      statement: db
        .select({ contactId: events.contactId, sentAt: min(events.occurredAt) })
        .from(events)
        .where(and(eq(events.campaignId, campaignId), sql`${events.type} = 'send'`, inArray(events.contactId, part)))
        .groupBy(events.contactId),
    })),
  );
  const out = new Map<string, number>();
  const [first, ...rest] = queries.map((q) => q.statement);
  if (first === undefined) return out;
  const results = await db.batch([first, ...rest]);
  results.forEach((rows, i) => {
    for (const row of rows) out.set(recipientKey({ campaignId: queries[i]!.campaignId, contactId: row.contactId! }), row.sentAt!);
  });
  return out;
}
