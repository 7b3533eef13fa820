// What the archive keeps of a stored event: the person as a pseudonym, ids they cannot be found by, links without
// query strings; bounce diagnostics, SMTP answers, addresses, client addresses and agents are never read.

import type { Db } from "../db/client";
import { redactAll } from "../domain/identity";
import type { ArchivedEvent } from "./parquet";
import { contactHashes, tombstonesOf } from "../privacy/tombstones";
import { archivedEventId, pseudonymsOf } from "./pseudonyms";
import type { SourceRow } from "./source";

/** A link as archived: scheme, host and path only (a query string or fragment can carry anything), addresses redacted. */
export function archivedLink(link: string | null): string | null {
  if (link === null) return null;
  const cut = link.search(/[?#]/);
  return redactAll(cut === -1 ? link : link.slice(0, cut));
}

/**
 * The archived form of `rows`. Rows of people erased after the rows happened (a tombstone newer than them: the read
 * raced the erasure) are dropped, as are rows whose person got no pseudonym because an erasure came meanwhile.
 */
export async function archivedRows(db: Db, hashKey: CryptoKey, rows: readonly SourceRow[]): Promise<ArchivedEvent[]> {
  const contacts = [...new Set(rows.flatMap((r) => (r.contactId === null ? [] : [r.contactId])))];
  const hashes = await contactHashes(hashKey, contacts);
  const erasedAt = await tombstonesOf(db, [...hashes.values()]);
  const live = rows.filter((r) => r.contactId === null || r.occurredAt > (erasedAt.get(hashes.get(r.contactId)!) ?? -Infinity));
  const pseudonyms = await pseudonymsOf(db, hashes, erasedAt);
  const out: ArchivedEvent[] = [];
  for (const r of live) {
    const person = r.contactId === null ? null : pseudonyms.get(r.contactId);
    if (person === undefined) continue;
    out.push({
      eventId: person === null ? r.id : await archivedEventId(person.key, r.id),
      type: r.type,
      campaignId: r.campaignId,
      occurredAt: r.occurredAt,
      contact: person?.pseudonym ?? null,
      link: archivedLink(r.link),
      linkIndex: r.linkIndex,
      machine: r.machine,
      machineReason: r.machineReason,
      sesMessageId: r.sesMessageId,
      source: r.source,
      bounceType: r.bounceType,
      bounceSubType: r.bounceSubType,
    });
  }
  return out;
}
