// Changing the stored verdict of clicks that their ±10 s window relabelled, and what the counters need to follow.

import { and, eq, inArray, sql } from "drizzle-orm";
import { chunk, D1_MAX_BOUND_PARAMETERS } from "../lib/chunk";
import { runBatch, type Db } from "./client";
import { events } from "./schema";

export interface Label {
  id: string;
  machine: boolean;
  reason: string;
}

/** Sets each event's verdict; running them again sets the same values (idempotent). One batch, one transaction. */
export async function storeLabels(db: Db, labels: readonly Label[]): Promise<void> {
  await runBatch(
    db,
    labels.map((l) => db.update(events).set({ machine: l.machine, machineReason: l.reason }).where(eq(events.id, l.id))),
  );
}

export interface HumanClick {
  id: string;
  occurredAt: number;
  linkIndex: number | null;
  url: string | null;
}

/** Contacts per statement: the campaign id takes one bound parameter (the type is written in the SQL, not bound). */
const CONTACTS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/**
 * Each contact's clicks that count as a person's (our redirects, not SES's; a verdict of human, or none from before
 * classification), from the events_campaign_type_contact_time index. One round trip.
 */
export async function humanClicksOf(db: Db, campaignId: string, contacts: readonly string[]): Promise<Map<string, HumanClick[]>> {
  const out = new Map<string, HumanClick[]>(contacts.map((c) => [c, []]));
  const [first, ...rest] = chunk(contacts, CONTACTS_PER_STATEMENT).map((part) =>
    db
      .select({ id: events.id, contactId: events.contactId, occurredAt: events.occurredAt, linkIndex: events.linkIndex, url: events.link })
      .from(events)
      .where(
        and(
          eq(events.campaignId, campaignId),
          sql`${events.type} = 'click'`,
          inArray(events.contactId, part),
          sql`coalesce(${events.machine}, 0) = 0 AND json_extract(${events.metadata}, '$.source') IS NOT 'ses'`,
        ),
      ),
  );
  if (first === undefined) return out;
  for (const rows of await db.batch([first, ...rest])) {
    for (const r of rows) out.get(r.contactId!)?.push({ id: r.id, occurredAt: r.occurredAt, linkIndex: r.linkIndex, url: r.url });
  }
  return out;
}
