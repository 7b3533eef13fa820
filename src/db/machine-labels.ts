// Changing the stored verdict of clicks that their ±10 s window relabelled, and what the counters need to follow.

import { chunk, D1_MAX_BOUND_PARAMETERS } from "../lib/chunk";

export interface Label {
  id: string;
  machine: boolean;
  reason: string;
}

/** Sets each event's verdict; running them again sets the same values (idempotent). One batch, one transaction. */
export async function storeLabels(d1: D1Database, labels: readonly Label[]): Promise<void> {
  if (labels.length === 0) return;
  await d1.batch(
    labels.map((l) => d1.prepare("UPDATE events SET machine = ?, machine_reason = ? WHERE id = ?").bind(l.machine ? 1 : 0, l.reason, l.id)),
  );
}

export interface HumanClick {
  id: string;
  occurredAt: number;
  linkIndex: number | null;
  url: string | null;
}

/** Contacts per statement: the campaign id takes one bound parameter. */
const CONTACTS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/**
 * Each contact's clicks that count as a person's (our redirects, not SES's; a verdict of human, or none from before
 * classification), from the events_campaign_type_contact_time index. One round trip.
 */
export async function humanClicksOf(d1: D1Database, campaignId: string, contacts: readonly string[]): Promise<Map<string, HumanClick[]>> {
  const out = new Map<string, HumanClick[]>(contacts.map((c) => [c, []]));
  if (contacts.length === 0) return out;
  const statements = chunk(contacts, CONTACTS_PER_STATEMENT).map((part) =>
    d1
      .prepare(
        `SELECT id, contact_id, occurred_at, link_index, link FROM events
         WHERE campaign_id = ? AND type = 'click' AND contact_id IN (${part.map(() => "?").join(", ")})
           AND coalesce(machine, 0) = 0 AND json_extract(metadata, '$.source') IS NOT 'ses'`,
      )
      .bind(campaignId, ...part),
  );
  type Row = { id: string; contact_id: string; occurred_at: number; link_index: number | null; link: string | null };
  for (const result of await d1.batch<Row>(statements)) {
    for (const r of result.results) out.get(r.contact_id)?.push({ id: r.id, occurredAt: r.occurred_at, linkIndex: r.link_index, url: r.link });
  }
  return out;
}
