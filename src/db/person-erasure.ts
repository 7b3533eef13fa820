// Erasing one person from D1: the statements of one transaction, each labelled with the store its changes count for.

import type { PersonKeys } from "./person-records";

/** What an erased person's send claims are keyed by instead of their address: still one per job, still unique. */
export function erasedRecipient(hash: string): string {
  return `erased:${hash}`;
}

export type ErasedStore =
  | "suppressionKept"
  | "webhookAttempts"
  | "suppressions"
  | "suppressionLifts"
  | "suppressionHistory"
  | "events"
  | "deliveries"
  | "idempotencyKeys"
  | "webhookDeliveries"
  | "deadLettersDeleted"
  | "deadLettersRewritten";

export interface Labelled {
  store: ErasedStore;
  statement: D1PreparedStatement;
}

export type DeadLetterChange = { messageId: string; kind: "delete" } | { messageId: string; kind: "rewrite"; body: string };

/**
 * In order: an active suppression leaves its hash behind (a permanent one is never replaced by an expiring one,
 * as in the suppression rules), then every row that names the person goes. Send claims are kept, anonymised, so a
 * job's numbers stay whole and its recipient is never claimed again; one still waiting to be sent (queued, paused by
 * the reputation guard, or unknown and so resendable) is settled as suppressed instead, since the person it named is
 * gone. Webhook deliveries that carry the person's events go, sent or not, with their attempts.
 */
export function erasureStatements(
  d1: D1Database,
  person: PersonKeys & { hash: string },
  deadLetters: readonly DeadLetterChange[],
  now: number,
): Labelled[] {
  const { contactId, key, hash } = person;
  const run = (store: ErasedStore, sql: string, ...params: unknown[]): Labelled => ({ store, statement: d1.prepare(sql).bind(...params) });
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
    run("suppressions", "DELETE FROM suppressions WHERE email_key = ?1", key),
    run("suppressionLifts", "DELETE FROM suppression_lifts WHERE email_key = ?1", key),
    run("suppressionHistory", "DELETE FROM suppression_history WHERE lower(email) = ?1", key),
    run("events", "DELETE FROM events WHERE contact_id = ?1", contactId),
    run(
      "deliveries",
      `UPDATE OR IGNORE deliveries SET recipient = ?1, email = '', ses_message_id = NULL, updated_at = ?2,
         error = CASE WHEN state IN ('queued', 'paused', 'unknown') THEN 'erased' ELSE NULL END,
         state = CASE WHEN state IN ('queued', 'paused', 'unknown') THEN 'suppressed' ELSE state END
       WHERE recipient = ?3`,
      erasedRecipient(hash),
      now,
      key,
    ),
    // A job that already held an anonymised claim for the person (erased before, then sent to again) keeps that one.
    run("deliveries", "DELETE FROM deliveries WHERE recipient = ?1", key),
    run("idempotencyKeys", "DELETE FROM idempotency_keys WHERE instr(lower(coalesce(response, '')), ?1) > 0", key),
    run(
      "webhookAttempts",
      "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE instr(lower(payload), ?1) > 0)",
      key,
    ),
    run("webhookDeliveries", "DELETE FROM webhook_deliveries WHERE instr(lower(payload), ?1) > 0", key),
    ...deadLetters.map((change) =>
      change.kind === "delete"
        ? run("deadLettersDeleted", "DELETE FROM dead_letters WHERE message_id = ?1", change.messageId)
        : run("deadLettersRewritten", "UPDATE dead_letters SET body = ?2 WHERE message_id = ?1", change.messageId, change.body),
    ),
  ];
}
