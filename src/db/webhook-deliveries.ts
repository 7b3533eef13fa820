// Webhook deliveries and their attempts in D1: made once per endpoint and event, claimed per attempt, settled after.

import { and, asc, desc, eq, getTableColumns, inArray, lt, lte, or, sql } from "drizzle-orm";
import { chunk, rowsPerStatement } from "../lib/chunk";
import { runBatch, type Db } from "./client";
import { webhookAttempts, webhookDeliveries, webhookEndpoints, type WebhookDeliveryState } from "./schema";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type NewDelivery = Pick<DeliveryRow, "id" | "endpointId" | "eventId" | "eventType" | "campaignId" | "contactKey" | "payload">;

/** Ids per IN list, under D1's 100 bound parameters. */
const IDS_PER_QUERY = 90;

export async function deliveriesById(db: Db, ids: readonly string[]): Promise<DeliveryRow[]> {
  const parts = await Promise.all(
    chunk([...new Set(ids)], IDS_PER_QUERY).map((part) => db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, part))),
  );
  return parts.flat();
}

/** Make the rows that do not exist yet, each due now; a row made before (a task enqueued twice) is left as it is. */
export async function insertDeliveries(db: Db, rows: readonly NewDelivery[], now: number): Promise<void> {
  const values = rows.map((r) => ({ ...r, nextAttemptAt: now, createdAt: now, updatedAt: now }));
  const perStatement = rowsPerStatement(Object.keys(getTableColumns(webhookDeliveries)).length);
  await runBatch(
    db,
    chunk(values, perStatement).map((part) => db.insert(webhookDeliveries).values(part).onConflictDoNothing()),
  );
}

export interface Claim {
  attempt: number;
  autoRetry: boolean;
  payload: string;
}

/**
 * Claim a due delivery for one attempt by the queue message `messageId`: `pending` and due becomes `sending`, its
 * attempt count goes up. Undefined when it is not due, or someone else holds or finished it.
 */
export async function claimDelivery(db: Db, id: string, messageId: string, now: number): Promise<Claim | undefined> {
  return db
    .update(webhookDeliveries)
    .set({ state: "sending", attempts: sql`${webhookDeliveries.attempts} + 1`, claimedBy: messageId, claimedAt: now, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
    .returning({ attempt: webhookDeliveries.attempts, autoRetry: webhookDeliveries.autoRetry, payload: webhookDeliveries.payload })
    .get();
}

/**
 * A claim whose holder stopped before recording the answer (the consumer died, or D1 failed after the POST): the
 * attempt is recorded as unknown, and the delivery is due again at once. Whether the receiver got it is not known,
 * so the next attempt may be a duplicate; it carries the same webhook-id.
 */
export async function releaseLostClaim(db: Db, row: Pick<DeliveryRow, "id" | "endpointId" | "attempts" | "claimedBy">, now: number): Promise<void> {
  const error = "the answer to this attempt was never recorded (the consumer stopped); sent again with the same webhook-id";
  const held = and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.state, "sending"), eq(webhookDeliveries.attempts, row.attempts));
  await db.batch([
    db
      .insert(webhookAttempts)
      .values({ deliveryId: row.id, n: row.attempts, endpointId: row.endpointId, at: now, outcome: "unknown", error })
      .onConflictDoNothing(),
    db.update(webhookDeliveries).set({ state: "pending", nextAttemptAt: now, claimedBy: null, lastError: error, updatedAt: now }).where(held),
  ]);
}

export type Settlement =
  | { outcome: "delivered"; status: number }
  | { outcome: "retry"; nextAttemptAt: number; status: number | null; error: string }
  | { outcome: "failed"; status: number | null; error: string; disableEndpoint?: string };

export interface SettledAttempt {
  id: string;
  endpointId: string;
  attempt: number;
  messageId: string;
  at: number;
  latencyMs: number;
  result: Settlement;
}

/**
 * The health change an attempt makes to its endpoint: a success ends a failure streak; a failure starts one or, once
 * the streak has lasted `disableAfterMs`, disables the endpoint and says why (all in one UPDATE, reading old values).
 */
function endpointHealth(db: Db, a: SettledAttempt, disableAfterMs: number) {
  const where = eq(webhookEndpoints.id, a.endpointId);
  if (a.result.outcome === "delivered") return db.update(webhookEndpoints).set({ failingSince: null, lastSuccessAt: a.at }).where(where);
  const since = sql`coalesce(${webhookEndpoints.failingSince}, ${a.at})`;
  const forced = a.result.outcome === "failed" ? a.result.disableEndpoint : undefined;
  const streakOver = forced ? sql`1` : sql`${since} <= ${a.at - disableAfterMs}`;
  const why = forced
    ? sql`${`${forced} (${new Date(a.at).toISOString()})`}`
    : sql`'every attempt failed for 24 hours, since ' || strftime('%Y-%m-%dT%H:%M:%SZ', ${since} / 1000, 'unixepoch') || '; last: ' || ${a.result.error}`;
  const disabling = sql`(${webhookEndpoints.enabled} AND ${streakOver})`;
  return db
    .update(webhookEndpoints)
    .set({
      failingSince: since,
      lastFailureAt: a.at,
      enabled: sql`CASE WHEN ${disabling} THEN 0 ELSE ${webhookEndpoints.enabled} END`,
      disabledReason: sql`CASE WHEN ${disabling} THEN ${why} ELSE ${webhookEndpoints.disabledReason} END`,
      disabledAt: sql`CASE WHEN ${disabling} THEN ${a.at} ELSE ${webhookEndpoints.disabledAt} END`,
    })
    .where(where);
}

const STATE_AFTER: Record<Settlement["outcome"], WebhookDeliveryState> = { delivered: "delivered", retry: "pending", failed: "failed" };

/** Record one attempt, settle its claim and update its endpoint's health: one transaction. */
export async function settleAttempt(db: Db, a: SettledAttempt, disableAfterMs: number): Promise<void> {
  const r = a.result;
  const status = r.status;
  const error = r.outcome === "delivered" ? null : r.error;
  const held = and(
    eq(webhookDeliveries.id, a.id),
    eq(webhookDeliveries.state, "sending"),
    eq(webhookDeliveries.attempts, a.attempt),
    eq(webhookDeliveries.claimedBy, a.messageId),
  );
  await db.batch([
    db
      .insert(webhookAttempts)
      .values({ deliveryId: a.id, n: a.attempt, endpointId: a.endpointId, at: a.at, outcome: r.outcome, status, latencyMs: a.latencyMs, error })
      .onConflictDoNothing(),
    db
      .update(webhookDeliveries)
      .set({
        state: STATE_AFTER[r.outcome],
        nextAttemptAt: r.outcome === "retry" ? r.nextAttemptAt : undefined,
        claimedBy: null,
        lastStatus: status,
        lastError: error,
        deliveredAt: r.outcome === "delivered" ? a.at : undefined,
        updatedAt: a.at,
      })
      .where(held),
    endpointHealth(db, a, disableAfterMs),
  ]);
}

/** A delivery that will not be attempted (its endpoint is disabled or gone): failed, with the reason. */
export async function failWithoutAttempt(db: Db, id: string, reason: string, now: number): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ state: "failed", lastError: reason, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, "pending")));
}

export interface DeliveryKey {
  at: number;
  id: string;
}

/** An endpoint's deliveries, newest first, keyset on (created_at, id): `rows` rows before `before`. */
export function listDeliveries(
  db: Db,
  endpointId: string,
  state: WebhookDeliveryState | undefined,
  before: DeliveryKey | null,
  rows: number,
): Promise<DeliveryRow[]> {
  const older = before
    ? or(lt(webhookDeliveries.createdAt, before.at), and(eq(webhookDeliveries.createdAt, before.at), lt(webhookDeliveries.id, before.id)))
    : undefined;
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), state ? eq(webhookDeliveries.state, state) : undefined, older))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(rows);
}

/** The attempts of these deliveries, oldest first within each. */
export async function attemptsOf(db: Db, deliveryIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
  const parts = await Promise.all(
    chunk([...new Set(deliveryIds)], IDS_PER_QUERY).map((part) =>
      db
        .select()
        .from(webhookAttempts)
        .where(inArray(webhookAttempts.deliveryId, part))
        .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.n)),
    ),
  );
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const row of parts.flat()) {
    let list = byDelivery.get(row.deliveryId);
    if (!list) byDelivery.set(row.deliveryId, (list = []));
    list.push(row);
  }
  return byDelivery;
}

export function findDelivery(db: Db, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId)))
    .get();
}

/**
 * A retry by hand: due now. A finished delivery gets one attempt (no automatic retries after it); a pending one only
 * comes forward and keeps its schedule. Undefined while an attempt is in flight (`sending`) or when not found.
 */
export async function dueNowByHand(db: Db, endpointId: string, id: string, now: number): Promise<DeliveryRow | undefined> {
  return db
    .update(webhookDeliveries)
    .set({
      state: "pending",
      autoRetry: sql`CASE WHEN ${webhookDeliveries.state} = 'pending' THEN ${webhookDeliveries.autoRetry} ELSE 0 END`,
      nextAttemptAt: now,
      updatedAt: now,
    })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId), sql`${webhookDeliveries.state} <> 'sending'`))
    .returning()
    .get();
}

/** Put back what dueNowByHand changed, when the retry could not be put on the queue. */
export async function undoByHand(db: Db, before: DeliveryRow): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ state: before.state, autoRetry: before.autoRetry, nextAttemptAt: before.nextAttemptAt, updatedAt: before.updatedAt })
    .where(and(eq(webhookDeliveries.id, before.id), eq(webhookDeliveries.state, "pending"), eq(webhookDeliveries.attempts, before.attempts)));
}
