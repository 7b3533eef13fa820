// Suppression decisions as SQL that runs in the same D1 batch as the event inserts, idempotently.

import type { SuppressionConfig } from "../config/config";
import type { Decision, DeliveryDecision, PermanentDecision, SoftBounceDecision } from "../domain/suppression-rules";

// Events older than the address's last manual lift never suppress it again, even when replayed.
/**
 * The address's current streak, counted from the stored events (this batch's included, inserted earlier in
 * the same batch): soft bounces after its last delivery. Counting stored rows, unique by event id, is what
 * keeps a replayed bounce from counting twice, and a late delivery from being missed.
 */
const CURRENT_STREAK = `(SELECT COUNT(*) FROM events
  WHERE contact_id = lower(?1) AND type = 'bounce'
    AND COALESCE(json_extract(metadata, '$.bounceType'), '') <> 'Permanent'
    AND occurred_at > COALESCE((SELECT MAX(occurred_at) FROM events WHERE contact_id = lower(?1) AND type = 'delivery'), -1))`;

// Suppressions and lifts match an address whatever its case, on their lower-cased email_key.
const NOT_LIFTED_SINCE = "NOT EXISTS (SELECT 1 FROM suppression_lifts WHERE email_key = lower(?1) AND lifted_at >= ?2)";

// An event records one history row however often it is applied (unique on event_id, action), and only
// when it is the event that the address's current suppression names.
const historyFor = (d1: D1Database, email: string, eventId: string) =>
  d1
    .prepare(
      `INSERT INTO suppression_history (email, action, reason, at, event_id)
       SELECT email, 'suppress', reason, since, event_id FROM suppressions WHERE email_key = lower(?1) AND event_id = ?2
       ON CONFLICT (event_id, action) DO NOTHING`,
    )
    .bind(email, eventId);

/** A permanent reason replaces only a soft-bounce suppression; the first permanent one stays. */
function permanent(d1: D1Database, d: PermanentDecision): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        `INSERT INTO suppressions (email, reason, since, expires_at, event_id)
         SELECT ?1, ?3, ?2, NULL, ?4 WHERE ${NOT_LIFTED_SINCE}
         ON CONFLICT (email_key) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = NULL,
           event_id = excluded.event_id, ses_synced_at = NULL
         WHERE suppressions.expires_at IS NOT NULL`,
      )
      .bind(d.email, d.at, d.reason, d.eventId),
    historyFor(d1, d.email, d.eventId),
  ];
}

/** Suppress once the current streak reaches the limit; an expired soft suppression is replaced. */
function softBounce(d1: D1Database, d: SoftBounceDecision, config: SuppressionConfig): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        `INSERT INTO suppressions (email, reason, since, expires_at, event_id)
         SELECT ?1, 'soft_bounce', ?2, ?3, ?4
         WHERE ${NOT_LIFTED_SINCE}
           AND ${CURRENT_STREAK} >= ?5
         ON CONFLICT (email_key) DO UPDATE SET reason = 'soft_bounce', since = excluded.since, expires_at = excluded.expires_at,
           event_id = excluded.event_id, ses_synced_at = NULL
         WHERE suppressions.expires_at IS NOT NULL AND suppressions.expires_at <= excluded.since`,
      )
      .bind(d.email, d.at, d.at + config.softBounceTtlMs, d.eventId, config.softBounceLimit),
    historyFor(d1, d.email, d.eventId),
  ];
}

/**
 * A delivery breaks the streak: a soft-bounce suppression whose streak no longer reaches the limit ends,
 * whether the delivery came after it or arrived late from before its last bounces.
 */
function delivery(d1: D1Database, d: DeliveryDecision, config: SuppressionConfig): D1PreparedStatement[] {
  const broken = `email_key = lower(?1) AND reason = 'soft_bounce' AND ${CURRENT_STREAK} < ?2`;
  return [
    d1
      .prepare(
        `INSERT INTO suppression_history (email, action, reason, at, event_id)
         SELECT email, 'lift', 'delivered', ?3, ?4 FROM suppressions WHERE ${broken}
         ON CONFLICT (event_id, action) DO NOTHING`,
      )
      .bind(d.email, config.softBounceLimit, d.at, d.eventId),
    d1.prepare(`DELETE FROM suppressions WHERE ${broken}`).bind(d.email, config.softBounceLimit),
  ];
}

export function suppressionStatements(d1: D1Database, decisions: readonly Decision[], config: SuppressionConfig): D1PreparedStatement[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch is exhaustive over Decision, so every path returns
  return decisions.flatMap((d) => {
    switch (d.kind) {
      case "permanent":
        return permanent(d1, d);
      case "soft_bounce":
        return softBounce(d1, d, config);
      case "delivery":
        return delivery(d1, d, config);
    }
  });
}
