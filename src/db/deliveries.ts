// Deliveries in D1: each campaign recipient's claim, taken before its SES call and settled after it.

import { and, asc, count, eq, gt, inArray, not, sql } from "drizzle-orm";
import { chunk } from "../lib/chunk";
import type { Db } from "./client";
import { ERASED_FROM, ERASED_TO } from "./person-erasure";
import { deliveries, sendJobs } from "./schema";

export const DELIVERY_STATES = ["queued", "paused", "sending", "sent", "rejected", "suppressed", "unknown", "dead_lettered"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * What the consumer may claim: `queued`, and `paused` (held while its campaign's or the account's sends were paused
 * by the reputation guard; its task was acknowledged, and a resume puts it on the queue again).
 */
const CLAIMABLE = inArray(deliveries.state, ["queued", "paused"]);

/** One recipient of a job: `recipient` is the lower-cased key, `email` the address as given. */
export interface DeliveryRef {
  jobId: string;
  recipient: string;
  email: string;
  position: number;
}

/** A claim kept anonymised for a recipient who was erased (its recipient is `erased:<hash>`, see person-erasure.ts). */
const ERASED = sql`(${deliveries.recipient} >= ${ERASED_FROM} AND ${deliveries.recipient} < ${ERASED_TO})`;

/** Positions of a job whose recipient was erased: never claimed again, not even by a request that resumes the job. */
export async function erasedPositions(db: Db, jobId: string): Promise<Set<number>> {
  const rows = await db
    .select({ position: deliveries.position })
    .from(deliveries)
    .where(and(eq(deliveries.jobId, jobId), ERASED));
  return new Set(rows.map((r) => r.position));
}

/** Recipients per insert: they travel as one JSON parameter (D1 caps parameters at 100, not their size). */
const ROWS_PER_INSERT = 500;

/** Statements that claim every recipient of a job as `queued`, skipping those already claimed. */
export function insertQueuedStatements(db: Db, jobId: string, recipients: readonly Omit<DeliveryRef, "jobId">[], now: number) {
  return chunk(recipients, ROWS_PER_INSERT).map((part) =>
    // An INSERT … SELECT from json_each, whose `WHERE true` keeps SQLite from reading ON CONFLICT as a join
    // constraint of the SELECT: written as SQL, since Drizzle's insert().select() selects from a table.
    db.run(
      sql`INSERT INTO deliveries (job_id, recipient, email, position, state, attempts, created_at, updated_at)
          SELECT ${jobId}, value ->> 0, value ->> 1, value ->> 2, 'queued', 0, ${now}, ${now}
          FROM json_each(${JSON.stringify(part.map((r) => [r.recipient, r.email, r.position]))}) WHERE true
          ON CONFLICT (job_id, recipient) DO NOTHING`,
    ),
  );
}

const one = (ref: Pick<DeliveryRef, "jobId" | "recipient">) => and(eq(deliveries.jobId, ref.jobId), eq(deliveries.recipient, ref.recipient));

export async function findDelivery(db: Db, ref: Pick<DeliveryRef, "jobId" | "recipient">) {
  return db.select({ state: deliveries.state, attempts: deliveries.attempts }).from(deliveries).where(one(ref)).get();
}

/**
 * Claim the recipient for one SES call: `queued` or `paused` (or no row yet, a job from before deliveries existed) becomes
 * `sending`. Resolves to the claim's attempt number, or null when the row is in any other state: someone else
 * holds or settled it.
 */
export async function claimDelivery(db: Db, ref: DeliveryRef, now: number): Promise<number | null> {
  const row = await db
    .insert(deliveries)
    .values({ ...ref, state: "sending", attempts: 1, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [deliveries.jobId, deliveries.recipient],
      set: { state: "sending", attempts: sql`${deliveries.attempts} + 1`, updatedAt: now },
      setWhere: CLAIMABLE,
    })
    .returning({ attempts: deliveries.attempts })
    .get();
  return row?.attempts ?? null;
}

export type Settlement =
  | { state: "sent"; sesMessageId: string }
  | { state: "rejected" | "unknown"; error: string }
  /** Back to claimable: the call failed before SES took anything (throttled, credentials refused). */
  | { state: "queued" };

/** End the claim numbered `attempt`; a claim already ended (or taken again since) is left alone. */
export async function settleDelivery(
  db: Db,
  ref: Pick<DeliveryRef, "jobId" | "recipient">,
  attempt: number,
  outcome: Settlement,
  now: number,
): Promise<void> {
  await db
    .update(deliveries)
    .set({
      state: outcome.state,
      sesMessageId: outcome.state === "sent" ? outcome.sesMessageId : undefined,
      error: outcome.state === "rejected" || outcome.state === "unknown" ? outcome.error : undefined,
      updatedAt: now,
    })
    .where(and(one(ref), eq(deliveries.state, "sending"), eq(deliveries.attempts, attempt)));
}

/** A recipient found suppressed when its turn came: never mailed for this job. */
export async function markSuppressed(db: Db, ref: DeliveryRef, reason: string, now: number): Promise<void> {
  await db
    .insert(deliveries)
    .values({ ...ref, state: "suppressed", error: reason, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [deliveries.jobId, deliveries.recipient],
      set: { state: "suppressed", error: reason, updatedAt: now },
      setWhere: CLAIMABLE,
    });
}

/**
 * Hold a recipient while sending is paused: `queued` becomes `paused`, claimed by nobody (no attempt is used). Its
 * task is then acknowledged; a resume (or the scheduled sweep) puts it on the queue again.
 */
export async function parkDelivery(db: Db, ref: DeliveryRef, reason: string, now: number): Promise<void> {
  await db
    .insert(deliveries)
    .values({ ...ref, state: "paused", error: reason, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [deliveries.jobId, deliveries.recipient],
      set: { state: "paused", error: reason, updatedAt: now },
      setWhere: eq(deliveries.state, "queued"),
    });
}

/** Where a page of paused recipients ends: (job, recipient). */
export interface PausedKey {
  jobId: string;
  recipient: string;
}

/** Paused recipients with their job's campaign, of one campaign or of all, in (job, recipient) order after `after`. */
export async function pausedDeliveries(db: Db, campaignId: string | null, after: PausedKey | null, limit: number) {
  return db
    .select({
      jobId: deliveries.jobId,
      recipient: deliveries.recipient,
      email: deliveries.email,
      position: deliveries.position,
      campaignId: sendJobs.campaignId,
    })
    .from(deliveries)
    .innerJoin(sendJobs, eq(sendJobs.id, deliveries.jobId))
    .where(
      and(
        eq(deliveries.state, "paused"),
        campaignId === null ? undefined : eq(sendJobs.campaignId, campaignId),
        after ? sql`(${deliveries.jobId}, ${deliveries.recipient}) > (${after.jobId}, ${after.recipient})` : undefined,
      ),
    )
    .orderBy(asc(deliveries.jobId), asc(deliveries.recipient))
    .limit(limit);
}

/** Their tasks are on the queue again: `paused` back to `queued` (a claim made meanwhile is left alone). */
export async function unpark(db: Db, refs: readonly PausedKey[], now: number): Promise<void> {
  if (refs.length === 0) return;
  await db
    .update(deliveries)
    .set({ state: "queued", error: null, updatedAt: now })
    .where(
      and(
        eq(deliveries.state, "paused"),
        sql`(${deliveries.jobId}, ${deliveries.recipient}) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify(refs.map((r) => [r.jobId, r.recipient]))}))`,
      ),
    );
}

/** How many of the job's recipients are in each state (all states present, zeros included). */
export async function deliveryCounts(db: Db, jobId: string): Promise<Record<DeliveryState, number>> {
  const rows = await db.select({ state: deliveries.state, n: count() }).from(deliveries).where(eq(deliveries.jobId, jobId)).groupBy(deliveries.state);
  const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
  for (const row of rows) if (row.state in counts) counts[row.state as DeliveryState] = row.n;
  return counts;
}

/** The job's `unknown` recipients in list order, after position `after`. */
export async function unknownDeliveries(db: Db, jobId: string, after: number, limit: number) {
  return db
    .select({
      email: deliveries.email,
      position: deliveries.position,
      attempts: deliveries.attempts,
      error: deliveries.error,
      updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .where(and(eq(deliveries.jobId, jobId), eq(deliveries.state, "unknown"), gt(deliveries.position, after)))
    .orderBy(asc(deliveries.position))
    .limit(limit);
}

/**
 * An operator's resend: every `unknown` recipient of the job becomes `queued` again, atomically, so two
 * concurrent calls never both take one. Resolves to those taken.
 */
export async function requeueUnknown(db: Db, jobId: string, now: number): Promise<DeliveryRef[]> {
  return (
    db
      .update(deliveries)
      .set({ state: "queued", updatedAt: now })
      // An erased recipient's unknown claim stays unknown: there is no address left to send it to.
      .where(and(eq(deliveries.jobId, jobId), eq(deliveries.state, "unknown"), not(ERASED)))
      .returning({ jobId: deliveries.jobId, recipient: deliveries.recipient, email: deliveries.email, position: deliveries.position })
  );
}

/** Give back to `unknown` (or `dead_lettered`) those of a job's recipients that were requeued but could not be put on the queue. */
export async function unqueue(
  db: Db,
  jobId: string,
  recipients: readonly string[],
  now: number,
  to: "unknown" | "dead_lettered" = "unknown",
): Promise<void> {
  if (recipients.length === 0) return;
  await db
    .update(deliveries)
    .set({ state: to, updatedAt: now })
    .where(
      and(
        eq(deliveries.jobId, jobId),
        eq(deliveries.state, "queued"),
        sql`${deliveries.recipient} IN (SELECT value FROM json_each(${JSON.stringify(recipients)}))`,
      ),
    );
}

/**
 * Its task ran out of retries without reaching SES (throttled each time) and is in the send dead-letter queue:
 * `queued` becomes `dead_lettered`, which no task claims, until an operator sends it (requeueDeadLettered). Any other
 * state is left alone: a recipient sent, settled or claimed meanwhile (a second copy of its task) keeps it.
 */
export async function markDeadLettered(db: Db, refs: readonly Pick<DeliveryRef, "jobId" | "recipient">[], now: number): Promise<void> {
  if (refs.length === 0) return;
  await db
    .update(deliveries)
    .set({ state: "dead_lettered", error: "its send task ran out of retries (SES throttled it each time) and was dead-lettered", updatedAt: now })
    .where(
      and(
        eq(deliveries.state, "queued"),
        sql`(${deliveries.jobId}, ${deliveries.recipient}) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify(refs.map((r) => [r.jobId, r.recipient]))}))`,
      ),
    );
}

/**
 * An operator's send of the job's `dead_lettered` recipients: each becomes `queued` again, atomically, so two
 * concurrent calls never both take one. Resolves to those taken.
 */
export async function requeueDeadLettered(db: Db, jobId: string, now: number): Promise<DeliveryRef[]> {
  return db
    .update(deliveries)
    .set({ state: "queued", error: null, updatedAt: now })
    .where(and(eq(deliveries.jobId, jobId), eq(deliveries.state, "dead_lettered")))
    .returning({ jobId: deliveries.jobId, recipient: deliveries.recipient, email: deliveries.email, position: deliveries.position });
}
