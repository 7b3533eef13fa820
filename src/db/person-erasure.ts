// Erasing one person from D1: the statements of one transaction, each labelled with the store its changes count for.

import { cursorClampStatement } from "./archive-cursor";
import type { PersonKeys } from "./person-records";

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
  statement: D1PreparedStatement;
}

export type DeadLetterChange = { messageId: string; kind: "delete" } | { messageId: string; kind: "rewrite"; body: string };

/** Free text of other people's rows, with the person's address redacted (found by address tokens, in JS). */
export interface Redactions {
  deadLetters: readonly DeadLetterChange[];
  eventLinks: ReadonlyArray<{ id: string; link: string }>;
  webhookPayloads: ReadonlyArray<{ id: string; payload: string }>;
}

/** The erasure tombstone (src/privacy/tombstones.ts): the person's events from before `now` are dropped on arrival. */
export function tombstoneStatement(d1: D1Database, hash: string, now: number): D1PreparedStatement {
  return d1
    .prepare("INSERT INTO erasures (address_hash, erased_at) VALUES (?1, ?2) ON CONFLICT (address_hash) DO UPDATE SET erased_at = excluded.erased_at")
    .bind(hash, now);
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
export function erasureStatements(d1: D1Database, person: PersonKeys & { hash: string }, redactions: Redactions, now: number): Labelled[] {
  const { key, hash } = person;
  const run = (store: ErasedStore, sql: string, ...params: unknown[]): Labelled => ({ store, statement: d1.prepare(sql).bind(...params) });
  const anonymise = `email = '', ses_message_id = NULL, updated_at = ?2,
         error = CASE WHEN state IN ('queued', 'paused') THEN 'erased' WHEN state = 'unknown' THEN 'erased; whether SES took it is unknown' ELSE NULL END,
         state = CASE WHEN state IN ('queued', 'paused') THEN 'suppressed' ELSE state END`;
  return [
    run(
      "suppressionKept",
      `INSERT INTO erased_suppressions (address_hash, reason, since, expires_at, erased_at)
       SELECT ?1, reason, since, expires_at, ?2 FROM suppressions WHERE email_key = ?3 AND (expires_at IS NULL OR expires_at > ?2)
       ON CONFLICT (address_hash) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = excluded.expires_at,
         erased_at = excluded.erased_at
       WHERE erased_suppressions.expires_at IS NOT NULL`,
      hash,
      now,
      key,
    ),
    { store: "tombstone", statement: tombstoneStatement(d1, hash, now) },
    run("suppressions", "DELETE FROM suppressions WHERE email_key = ?1", key),
    run("suppressionLifts", "DELETE FROM suppression_lifts WHERE email_key = ?1", key),
    run("suppressionHistory", "DELETE FROM suppression_history WHERE email_key = ?1", key),
    run("events", "DELETE FROM events WHERE contact_id = ?1", key),
    // Their events not yet archived went with the rows above; the archive's rows of them keep a pseudonym that
    // nothing links to them once this mapping (their random pseudonym and event-id secret) is gone.
    run("archivePseudonyms", "DELETE FROM archive_pseudonyms WHERE contact_hash = ?1", hash),
    { store: "archiveCursor", statement: cursorClampStatement(d1) },
    run("deliveries", `UPDATE OR IGNORE deliveries SET recipient = ?1, ${anonymise} WHERE recipient = ?3`, erasedRecipient(hash), now, key),
    // A job that already holds an anonymised claim for the person (erased before, then sent to again): this claim is
    // kept too, under a recipient of its own (its position makes it unique), never deleted.
    run("deliveries", `UPDATE deliveries SET recipient = ?1 || ':' || position, ${anonymise} WHERE recipient = ?3`, erasedRecipient(hash), now, key),
    run("webhookAttempts", "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE contact_key = ?1)", key),
    run("webhookDeliveries", "DELETE FROM webhook_deliveries WHERE contact_key = ?1", key),
    ...redactions.webhookPayloads.map((w) =>
      run("webhookDeliveriesRedacted", "UPDATE webhook_deliveries SET payload = ?2 WHERE id = ?1", w.id, w.payload),
    ),
    ...redactions.eventLinks.map((e) => run("eventLinksRedacted", "UPDATE events SET link = ?2 WHERE id = ?1", e.id, e.link)),
    ...redactions.deadLetters.map((change) =>
      change.kind === "delete"
        ? run("deadLettersDeleted", "DELETE FROM dead_letters WHERE message_id = ?1", change.messageId)
        : run("deadLettersRewritten", "UPDATE dead_letters SET body = ?2 WHERE message_id = ?1", change.messageId, change.body),
    ),
  ];
}
