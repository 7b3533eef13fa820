// The erasure tombstone at the consumer's door: an event of an erased person that was still on a queue (or in SNS's
// retries) when they were erased is dropped, so nothing erasure removed comes back; a complaint or hard bounce among
// them still leaves its suppression, as a keyed hash, so the person stays unmailable.

import { sql } from "drizzle-orm";
import { runBatch, type Db } from "../db/client";
import { erasedSuppressions, erasures } from "../db/schema";
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
export async function withoutErased<E extends TrackingEvent>(db: Db, privacy: Pick<PrivacyConfig, "erasureKey">, events: readonly E[]): Promise<E[]> {
  const list = keyed(events);
  const key = erasureKey(privacy.erasureKey);
  const contacts = [...new Set(list.flatMap((e) => (e.contactId === null ? [] : [e.contactId])))];
  if (!key || contacts.length === 0) return list;
  const hashes = await contactHashes(await key, contacts);
  const erasedAt = await tombstonesOf(db, [...hashes.values()]);
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
  await runBatch(
    db,
    permanent.map((d) => keepErasedSuppression(db, hashOf(d), d, erasedAt.get(hashOf(d))!)),
  );
  return kept;
}

/** Each contact's keyed hash, as tombstones and erasure compute it. */
export async function contactHashes(hashKey: CryptoKey, contacts: readonly string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(contacts.map(async (c): Promise<[string, string]> => [c, await addressHash(hashKey, c)])));
}

/** The tombstones of these contact hashes: when each was erased (absent: never). */
export async function tombstonesOf(db: Db, hashes: readonly string[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const results = await db
    .select({ hash: erasures.addressHash, at: erasures.erasedAt })
    .from(erasures)
    // One JSON parameter, however many hashes (D1 caps bound parameters at 100).
    .where(sql`${erasures.addressHash} IN (SELECT value FROM json_each(${JSON.stringify(hashes)}))`);
  return new Map(results.map((r) => [r.hash, r.at]));
}

/** As erasure itself keeps a suppression: a permanent one is never replaced by one that expires. */
function keepErasedSuppression(db: Db, hash: string, d: PermanentDecision, erasedAt: number) {
  return db
    .insert(erasedSuppressions)
    .values({ addressHash: hash, reason: d.reason, since: d.at, expiresAt: null, erasedAt })
    .onConflictDoUpdate({
      target: erasedSuppressions.addressHash,
      set: { reason: sql`excluded.reason`, since: sql`excluded.since`, expiresAt: null },
      setWhere: sql`${erasedSuppressions.expiresAt} IS NOT NULL`,
    });
}
