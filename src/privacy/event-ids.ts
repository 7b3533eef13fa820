// The ids of a person's events that stores outside D1 remember: some hash the address unkeyed, so erasure forgets them.

import type { Db } from "../db/client";
import { eventIdsOf } from "../db/person-records";
import { unsubscribeEventId } from "../domain/event-ids";
import { normalizeEmail } from "../domain/email";
import type { Person } from "./person";

/** Only these types reach the account guard's `seen` (src/pipeline/account-activity.ts). */
const GUARD_TYPES: ReadonlySet<string> = new Set(["send", "bounce", "complaint"]);

export interface PersonEventIds {
  /** Per campaign: the ids its counters may have applied. */
  byCampaign: Map<string, string[]>;
  /** What the account guard may have seen. */
  guard: string[];
}

/**
 * The exact ids of the person's stored events, read before D1 deletes them, and per campaign the unsubscribe id of
 * every spelling of the address they are known by (derived, so held even if the event row is gone). SES ids
 * (`sns:<message>:<hash of type and recipient>`) are among the stored ones.
 */
export async function personEventIds(db: Db, person: Pick<Person, "address" | "key">, campaignIds: readonly string[]): Promise<PersonEventIds> {
  const rows = await eventIdsOf(db, person.key);
  const spellings = new Set([person.address, person.key, ...rows.flatMap((r) => (r.email === null ? [] : [r.email]))].map(normalizeEmail));
  const byCampaign = new Map<string, Set<string>>(campaignIds.map((id) => [id, new Set<string>()]));
  for (const r of rows)
    if (r.campaignId !== null) (byCampaign.get(r.campaignId) ?? byCampaign.set(r.campaignId, new Set()).get(r.campaignId)!).add(r.id);
  for (const [campaignId, ids] of byCampaign) for (const spelling of spellings) ids.add(await unsubscribeEventId(campaignId, spelling));
  return {
    byCampaign: new Map([...byCampaign].map(([id, ids]) => [id, [...ids]])),
    guard: rows.filter((r) => GUARD_TYPES.has(r.type)).map((r) => r.id),
  };
}
