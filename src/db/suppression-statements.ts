// Suppression decisions as SQL that runs in the same D1 batch as the event inserts, idempotently.
//
// Kept as SQL (through Drizzle's `sql`): each is an INSERT … SELECT guarded by conditions over other tables, whose
// upsert updates only under a WHERE of its own, or reads the history it writes; the exact statements are the rules.

import { type SQL, sql } from "drizzle-orm";
import type { SuppressionConfig } from "../config/config";
import type { Decision, DeliveryDecision, PermanentDecision, SoftBounceDecision } from "../domain/suppression-rules";
import type { Db, Statement } from "./client";

// Events older than the address's last manual lift never suppress it again, even when replayed.
/**
 * The address's current streak, counted from the stored events (this batch's included, inserted earlier in
 * the same batch): soft bounces after its last delivery. Counting stored rows, unique by event id, is what
 * keeps a replayed bounce from counting twice, and a late delivery from being missed.
 */
const currentStreak = (email: string): SQL => sql`(SELECT COUNT(*) FROM events
  WHERE contact_id = lower(${email}) AND type = 'bounce'
    AND COALESCE(json_extract(metadata, '$.bounceType'), '') <> 'Permanent'
    AND occurred_at > COALESCE((SELECT MAX(occurred_at) FROM events WHERE contact_id = lower(${email}) AND type = 'delivery'), -1))`;

// Suppressions and lifts match an address whatever its case, on their lower-cased email_key.
const notLiftedSince = (email: string, at: number): SQL =>
  sql`NOT EXISTS (SELECT 1 FROM suppression_lifts WHERE email_key = lower(${email}) AND lifted_at >= ${at})`;

// An event records one history row however often it is applied (unique on event_id, action), and only
// when it is the event that the address's current suppression names.
const historyFor = (db: Db, email: string, eventId: string) =>
  db.run(
    sql`INSERT INTO suppression_history (email, action, reason, at, event_id)
       SELECT email, 'suppress', reason, since, event_id FROM suppressions WHERE email_key = lower(${email}) AND event_id = ${eventId}
       ON CONFLICT (event_id, action) DO NOTHING`,
  );

/** A permanent reason replaces only a soft-bounce suppression; the first permanent one stays. */
function permanent(db: Db, d: PermanentDecision): Statement[] {
  return [
    db.run(
      sql`INSERT INTO suppressions (email, reason, since, expires_at, event_id)
         SELECT ${d.email}, ${d.reason}, ${d.at}, NULL, ${d.eventId} WHERE ${notLiftedSince(d.email, d.at)}
         ON CONFLICT (email_key) DO UPDATE SET reason = excluded.reason, since = excluded.since, expires_at = NULL,
           event_id = excluded.event_id, ses_synced_at = NULL
         WHERE suppressions.expires_at IS NOT NULL`,
    ),
    historyFor(db, d.email, d.eventId),
  ];
}

/** Suppress once the current streak reaches the limit; an expired soft suppression is replaced. */
function softBounce(db: Db, d: SoftBounceDecision, config: SuppressionConfig): Statement[] {
  return [
    db.run(
      sql`INSERT INTO suppressions (email, reason, since, expires_at, event_id)
         SELECT ${d.email}, 'soft_bounce', ${d.at}, ${d.at + config.softBounceTtlMs}, ${d.eventId}
         WHERE ${notLiftedSince(d.email, d.at)}
           AND ${currentStreak(d.email)} >= ${config.softBounceLimit}
         ON CONFLICT (email_key) DO UPDATE SET reason = 'soft_bounce', since = excluded.since, expires_at = excluded.expires_at,
           event_id = excluded.event_id, ses_synced_at = NULL
         WHERE suppressions.expires_at IS NOT NULL AND suppressions.expires_at <= excluded.since`,
    ),
    historyFor(db, d.email, d.eventId),
  ];
}

/**
 * A delivery breaks the streak: a soft-bounce suppression whose streak no longer reaches the limit ends,
 * whether the delivery came after it or arrived late from before its last bounces.
 */
function delivery(db: Db, d: DeliveryDecision, config: SuppressionConfig): Statement[] {
  const broken = () => sql`email_key = lower(${d.email}) AND reason = 'soft_bounce' AND ${currentStreak(d.email)} < ${config.softBounceLimit}`;
  return [
    db.run(
      sql`INSERT INTO suppression_history (email, action, reason, at, event_id)
         SELECT email, 'lift', 'delivered', ${d.at}, ${d.eventId} FROM suppressions WHERE ${broken()}
         ON CONFLICT (event_id, action) DO NOTHING`,
    ),
    db.run(sql`DELETE FROM suppressions WHERE ${broken()}`),
  ];
}

export function suppressionStatements(db: Db, decisions: readonly Decision[], config: SuppressionConfig): Statement[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch is exhaustive over Decision, so every path returns
  return decisions.flatMap((d) => {
    switch (d.kind) {
      case "permanent":
        return permanent(db, d);
      case "soft_bounce":
        return softBounce(db, d, config);
      case "delivery":
        return delivery(db, d, config);
    }
  });
}
