// The erasure tombstone at the consumer's door: an event of an erased person that was still on a queue (or in SNS's
// retries) when they were erased is dropped, so nothing erasure removed comes back; a complaint or hard bounce among
// them still leaves its suppression, as a keyed hash, so the person stays unmailable.

import { identityKey } from "../domain/identity";
import type { TrackingEvent } from "../domain/events";
import { decide, type PermanentDecision } from "../domain/suppression-rules";
import type { PrivacyConfig } from "../config/config";
import { log } from "../lib/log";
import { addressHash, erasureKey } from "./address-hash";

/** Every event keyed by the identity key: messages queued before the key existed carry the old spelling. */
export function keyed<E extends TrackingEvent>(events: readonly E[]): E[] {
  return events.map((e) => (e.contactId === null || e.contactId === identityKey(e.contactId) ? e : { ...e, contactId: identityKey(e.contactId) }));
}

/**
 * The events to store: those of people never erased, and those that happened after their erasure (they were mailed
 * again). One D1 read per batch; with no ERASURE_KEY nobody can have been erased, and nothing is read.
 */
export async function withoutErased<E extends TrackingEvent>(
  d1: D1Database,
  privacy: Pick<PrivacyConfig, "erasureKey">,
  events: readonly E[],
): Promise<E[]> {
  const list = keyed(events);
  const key = erasureKey(privacy.erasureKey);
  const contacts = [...new Set(list.flatMap((e) => (e.contactId === null ? [] : [e.contactId])))];
  if (!key || contacts.length === 0) return list;
  const hashes = await contactHashes(await key, contacts);
  const erasedAt = await tombstonesOf(d1, [...hashes.values()]);
  if (erasedAt.size === 0) return list;
  const dropped: E[] = [];
  const kept = list.filter((e) => {
    const at = e.contactId === null ? undefined : erasedAt.get(hashes.get(e.contactId)!);
    if (at === undefined || e.occurredAt > at) return true;
    dropped.push(e);
    return false;
  });
  log.info("events of erased people dropped", { dropped: dropped.length });
  const permanent = decide(dropped).filter((d): d is PermanentDecision => d.kind === "permanent");
  const hashOf = (d: PermanentDecision) => hashes.get(identityKey(d.email))!;
  if (permanent.length > 0) await d1.batch(permanent.map((d) => keepErasedSuppression(d1, hashOf(d), d, erasedAt.get(hashOf(d))!)));
  return kept;
}

/** Each contact's keyed hash, as tombstones and erasure compute it. */
export async function contactHashes(hashKey: CryptoKey, contacts: readonly string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(contacts.map(async (c): Promise<[string, string]> => [c, await addressHash(hashKey, c)])));
}

/** The tombstones of these contact hashes: when each was erased (absent: never). */
export async function tombstonesOf(d1: D1Database, hashes: readonly string[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const { results } = await d1
    .prepare("SELECT address_hash AS hash, erased_at AS at FROM erasures WHERE address_hash IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(hashes))
    .all<{ hash: string; at: number }>();
  return new Map(results.map((r) => [r.hash, r.at]));
}

/** As erasure itself keeps a suppression: a permanent one is never replaced by one that expires. */
function keepErasedSuppression(d1: D1Database, hash: string, d: PermanentDecision, erasedAt: number): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO erased_suppressions (address_hash, reason, since, expires_at, erased_at) VALUES (?1, ?2, ?3, NULL, ?4)
       ON CONFLICT (address_hash) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = NULL
       WHERE erased_suppressions.expires_at IS NOT NULL`,
    )
    .bind(hash, d.reason, d.at, erasedAt);
}
