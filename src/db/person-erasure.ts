// Erasing one person from D1: the statements of one transaction, each labelled with the store its changes count for.

import { eq, inArray, sql } from "drizzle-orm";
import { cursorClampStatement } from "./archive-cursor";
import type { Db, Statement } from "./client";
import type { PersonKeys } from "./person-records";
import {
  archivePseudonyms,
  deadLetters,
  deliveries,
  erasures,
  events,
  suppressionHistory,
  suppressionLifts,
  suppressions,
  webhookAttempts,
  webhookDeliveries,
} from "./schema";

/** What an erased person's send claims are keyed by instead of their address: still one per job, still unique. */
export function erasedRecipient(hash: string): string {
  return `erased:${hash}`;
}

/** Every anonymised claim's recipient lies in [ERASED_FROM, ERASED_TO): a range the primary key can seek. */
export const ERASED_FROM = "erased:";
export const ERASED_TO = "erased;";

export type ErasedStore =
  | "suppressionKept"
  | "tombstone"
  | "webhookAttempts"
  | "suppressions"
  | "suppressionLifts"
  | "suppressionHistory"
  | "events"
  | "eventLinksRedacted"
  | "deliveries"
  | "webhookDeliveries"
  | "webhookDeliveriesRedacted"
  | "deadLettersDeleted"
  | "deadLettersRewritten"
  | "archivePseudonyms"
  | "archiveCursor";

export interface Labelled {
  store: ErasedStore;
  statement: Statement;
}

export type DeadLetterChange = { messageId: string; kind: "delete" } | { messageId: string; kind: "rewrite"; body: string };

/** Free text of other people's rows, with the person's address redacted (found by address tokens, in JS). */
export interface Redactions {
  deadLetters: readonly DeadLetterChange[];
  eventLinks: ReadonlyArray<{ id: string; link: string }>;
  webhookPayloads: ReadonlyArray<{ id: string; payload: string }>;
}

/** The erasure tombstone (src/privacy/tombstones.ts): the person's events from before `now` are dropped on arrival. */
export function tombstoneStatement(db: Db, hash: string, now: number) {
  return db
    .insert(erasures)
    .values({ addressHash: hash, erasedAt: now })
    .onConflictDoUpdate({ target: erasures.addressHash, set: { erasedAt: sql`excluded.erased_at` } });
}

/**
 * In order: an active suppression leaves its hash behind (a permanent one is never replaced by an expiring one,
 * as in the suppression rules), the tombstone is written (the consumer drops their events still on a queue), then
 * every row keyed by the person goes, and other people's rows that mention them are redacted. Send claims are kept,
 * anonymised, so a job's numbers stay whole and its recipient is never claimed again: one still waiting to be sent
 * (queued, or paused by the reputation guard) is settled as suppressed, since the person it named is gone; every
 * other state stays as it is (an `unknown` stays unknown: erasure never weakens what may have been sent). Idempotency
 * records are not touched: their keys are digests and their answers name nobody.
 */
export function erasureStatements(db: Db, person: PersonKeys & { hash: string }, redactions: Redactions, now: number): Labelled[] {
  const { key, hash } = person;
  const label = (store: ErasedStore, statement: Statement): Labelled => ({ store, statement });
  // A claim still waiting to be sent is settled as suppressed; an `unknown` one stays unknown, saying why.
  const errorAfter = sql`CASE WHEN ${deliveries.state} IN ('queued', 'paused') THEN 'erased' WHEN ${deliveries.state} = 'unknown' THEN 'erased; whether SES took it is unknown' ELSE NULL END`;
  const stateAfter = sql`CASE WHEN ${deliveries.state} IN ('queued', 'paused') THEN 'suppressed' ELSE ${deliveries.state} END`;
  return [
    // Kept as SQL: an INSERT … SELECT whose upsert updates only under a WHERE of its own.
    label(
      "suppressionKept",
      db.run(sql`INSERT INTO erased_suppressions (address_hash, reason, since, expires_at, erased_at)
       SELECT ${hash}, reason, since, expires_at, ${now} FROM suppressions WHERE email_key = ${key} AND (expires_at IS NULL OR expires_at > ${now})
       ON CONFLICT (address_hash) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = excluded.expires_at,
         erased_at = excluded.erased_at
       WHERE erased_suppressions.expires_at IS NOT NULL`),
    ),
    label("tombstone", tombstoneStatement(db, hash, now)),
    label("suppressions", db.delete(suppressions).where(eq(suppressions.emailKey, key))),
    label("suppressionLifts", db.delete(suppressionLifts).where(eq(suppressionLifts.emailKey, key))),
    label("suppressionHistory", db.delete(suppressionHistory).where(eq(suppressionHistory.emailKey, key))),
    label("events", db.delete(events).where(eq(events.contactId, key))),
    // Their events not yet archived went with the rows above; the archive's rows of them keep a pseudonym that
    // nothing links to them once this mapping (their random pseudonym and event-id secret) is gone.
    label("archivePseudonyms", db.delete(archivePseudonyms).where(eq(archivePseudonyms.contactHash, hash))),
    label("archiveCursor", cursorClampStatement(db)),
    // Kept as SQL: Drizzle builds no UPDATE OR IGNORE (a claim that would collide stays for the statement after).
    label(
      "deliveries",
      db.run(
        sql`UPDATE OR IGNORE deliveries SET recipient = ${erasedRecipient(hash)}, email = '', ses_message_id = NULL, updated_at = ${now}, error = ${errorAfter}, state = ${stateAfter} WHERE recipient = ${key}`,
      ),
    ),
    // A job that already holds an anonymised claim for the person (erased before, then sent to again): this claim is
    // kept too, under a recipient of its own (its position makes it unique), never deleted.
    label(
      "deliveries",
      db
        .update(deliveries)
        .set({
          recipient: sql`${erasedRecipient(hash)} || ':' || ${deliveries.position}`,
          email: "",
          sesMessageId: null,
          updatedAt: now,
          error: errorAfter,
          state: stateAfter,
        })
        .where(eq(deliveries.recipient, key)),
    ),
    label(
      "webhookAttempts",
      db
        .delete(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.contactKey, key)),
          ),
        ),
    ),
    label("webhookDeliveries", db.delete(webhookDeliveries).where(eq(webhookDeliveries.contactKey, key))),
    ...redactions.webhookPayloads.map((w) =>
      label("webhookDeliveriesRedacted", db.update(webhookDeliveries).set({ payload: w.payload }).where(eq(webhookDeliveries.id, w.id))),
    ),
    ...redactions.eventLinks.map((e) => label("eventLinksRedacted", db.update(events).set({ link: e.link }).where(eq(events.id, e.id)))),
    ...redactions.deadLetters.map((change) =>
      change.kind === "delete"
        ? label("deadLettersDeleted", db.delete(deadLetters).where(eq(deadLetters.messageId, change.messageId)))
        : label("deadLettersRewritten", db.update(deadLetters).set({ body: change.body }).where(eq(deadLetters.messageId, change.messageId))),
    ),
  ];
}
