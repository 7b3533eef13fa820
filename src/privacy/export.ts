// The right of access: everything this deployment holds about one person, as one JSON document.

import { config } from "../config/config";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { archivePseudonyms } from "../db/schema";
import { eventJson } from "../db/contact-events";
import { allEventsOf, campaignsOf, deadLettersMentioning, deliveriesOf, suppressionRecords, webhookDeliveriesOf } from "../db/person-records";
import { digestLegacyKeys } from "./idempotency-digest";
import { counterEntries } from "./counters";
import { theirPart } from "./dead-letter-bodies";
import { personOf } from "./person";

const DAY_MS = 86_400_000;
/** A bound on one answer; no real person comes near it (the answer says when it was reached). */
export const MAX_EXPORTED_EVENTS = 100_000;

/** What the export says of the archive (docs/SCALE.md, "The archive"). */
export const ARCHIVE_HOLDS =
  "their events, as pseudonymous rows: a random pseudonym instead of the address, event ids as HMACs under a random secret of theirs, links without query strings, no IP address, agent or bounce diagnostics. Erasure deletes the pseudonym and the secret: the rows stay (counts stay whole) but nothing links them to the person any more.";

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export async function exportPerson(env: Env, address: string, now = Date.now()) {
  const { privacy, archive } = config(env);
  const archiveRetention = archive.retentionDays;
  const person = await personOf(privacy, address);
  const db = database(env.DB);
  // Idempotency keys are kept as digests with answers that name nobody: nothing there is anyone's, once the rows
  // from before digests have been moved.
  await digestLegacyKeys(db, privacy, Number.MAX_SAFE_INTEGER);
  const [events, suppression, deliveries, deadLetters, webhooks, campaignIds] = await Promise.all([
    allEventsOf(db, person.contactId, MAX_EXPORTED_EVENTS + 1),
    suppressionRecords(db, person),
    deliveriesOf(db, person.key),
    deadLettersMentioning(db, person.key),
    webhookDeliveriesOf(db, person.key),
    campaignsOf(db, person.contactId, now - privacy.retentionDays * DAY_MS),
  ]);
  const counters = await counterEntries(env, campaignIds, [person.contactId]);
  const pseudonym =
    person.hash === null
      ? null
      : ((
          await db
            .select({ pseudonym: archivePseudonyms.pseudonym })
            .from(archivePseudonyms)
            .where(eq(archivePseudonyms.contactHash, person.hash))
            .get()
        )?.pseudonym ?? null);
  const { current, erased, lift, history } = suppression;
  return {
    email: address,
    contactId: person.contactId,
    exportedAt: iso(now),
    retentionDays: privacy.retentionDays,
    events: events.slice(0, MAX_EXPORTED_EVENTS).map(eventJson),
    eventsTruncated: events.length > MAX_EXPORTED_EVENTS,
    suppression: current
      ? { email: current.email, reason: current.reason, since: iso(current.since), expiresAt: iso(current.expiresAt), eventId: current.eventId }
      : null,
    /** Kept in place of the address of a person erased while suppressed (only the hash of the address is stored). */
    erasedSuppression: erased
      ? { reason: erased.reason, since: iso(erased.since), expiresAt: iso(erased.expiresAt), erasedAt: iso(erased.erasedAt) }
      : null,
    suppressionLift: lift ? { email: lift.email, liftedAt: iso(lift.liftedAt) } : null,
    suppressionHistory: history.map((h) => ({ email: h.email, action: h.action, reason: h.reason, at: iso(h.at), eventId: h.eventId })),
    deliveries: deliveries.map((d) => ({ ...d, createdAt: iso(d.createdAt), updatedAt: iso(d.updatedAt) })),
    counters: counters.map((c) => ({
      campaignId: c.campaignId,
      firsts: c.firsts.map((f) => ({ counter: f.counter, at: iso(f.at) })),
      links: c.links.map((l) => ({ linkIndex: l.linkIndex, url: l.url })),
      recentClicks: c.recentClicks.map((r) => ({ at: iso(r.at), network: r.source, linkIndex: r.linkIndex, url: r.url, reason: r.reason })),
    })),
    deadLetters: deadLetters.map((d) => ({
      messageId: d.messageId,
      queue: d.queue,
      status: d.status,
      reason: d.reason,
      receivedAt: iso(d.receivedAt),
      body: theirPart(d.body, person),
    })),
    webhookDeliveries: webhooks.map((w) => ({
      ...w,
      payload: JSON.parse(w.payload) as unknown,
      createdAt: iso(w.createdAt),
      deliveredAt: iso(w.deliveredAt),
    })),
    /** What the Parquet archive (R2) keeps of them: rows under a random pseudonym, which erasure unlinks for good. */
    archive: {
      holds: ARCHIVE_HOLDS,
      retentionDays: archiveRetention,
      /** Their pseudonym in the archive's `contact` column while it is linked to them; null if none was made yet. */
      pseudonym,
    },
    /** Always empty: keys are stored as keyed digests and their answers without addresses (kept for the field's sake). */
    idempotencyKeys: [] as Array<{ key: string; status: number | null; response: string | null; createdAt: string | null }>,
  };
}
