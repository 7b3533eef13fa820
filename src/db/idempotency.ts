// Idempotency keys in D1, by their digest: taken atomically (one writer, INSERT … ON CONFLICT DO NOTHING), leased,
// answered, released; rows from before digests are moved to theirs.

import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS, type KeyRecord } from "../domain/idempotency";
import type { Db } from "./client";
import { idempotencyKeys } from "./schema";

/** Expired keys removed per request that takes one: housekeeping that keeps pace with use. */
const PURGE_PER_CALL = 50;

export type KeyRow = typeof idempotencyKeys.$inferSelect;

export function keyRecord(row: KeyRow): KeyRecord {
  return { ...row, state: row.state === "done" ? "done" : "in_progress" };
}

/** A row stored before digests: `key` is the caller's key itself. */
export interface LegacyKey {
  key: string;
  response: string | null;
}

/** Rows still stored under the caller's key (at most `limit`; `key` narrows to one). */
export function legacyKeys(db: Db, limit: number, key?: string): Promise<LegacyKey[]> {
  const legacy = eq(idempotencyKeys.digested, false);
  return db
    .select({ key: idempotencyKeys.key, response: idempotencyKeys.response })
    .from(idempotencyKeys)
    .where(key === undefined ? legacy : and(legacy, eq(idempotencyKeys.key, key)))
    .limit(limit);
}

/**
 * Move a row stored under the caller's key to its digest, with its answer rewritten (fingerprint, lease, job and
 * expiry kept: the record stops a repeat exactly as before). A row already moved is left alone.
 */
export async function digestKey(db: Db, legacy: LegacyKey, digest: string, response: string | null): Promise<void> {
  // UPDATE OR IGNORE (a digest already stored wins, the legacy row stays): Drizzle builds no OR IGNORE for an update.
  await db.run(
    sql`UPDATE OR IGNORE idempotency_keys SET key = ${digest}, digested = 1, response = ${response} WHERE key = ${legacy.key} AND digested = 0`,
  );
}

/**
 * Take `key` (a digest) for a new request (leased to it), or, when it is held, the record as stored. An expired key is
 * deleted first, so it is taken anew. `jobId` is the job this request will create, fixed now so that a
 * request that takes over after a part-way failure resumes that job.
 */
export async function takeKey(
  db: Db,
  input: { key: string; fingerprint: string; jobId: string | null; now: number },
): Promise<{ taken: true; jobId: string | null } | { taken: false; row: KeyRow }> {
  const { key, fingerprint, jobId, now } = input;
  const expired = db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now)).limit(PURGE_PER_CALL);
  const [, , inserted] = await db.batch([
    db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.key, key), lte(idempotencyKeys.expiresAt, now))),
    db.delete(idempotencyKeys).where(inArray(idempotencyKeys.key, expired)),
    db
      .insert(idempotencyKeys)
      .values({
        key,
        digested: true,
        fingerprint,
        state: "in_progress",
        lockedUntil: now + IDEMPOTENCY_LEASE_MS,
        jobId,
        createdAt: now,
        expiresAt: now + IDEMPOTENCY_TTL_MS,
      })
      .onConflictDoNothing()
      .returning({ jobId: idempotencyKeys.jobId }),
  ]);
  if (inserted.length > 0) return { taken: true, jobId: inserted[0]!.jobId };
  const row = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).get();
  // Gone between the two statements (expired and purged by another request): a repeat will find it free.
  if (!row) throw new Error("an idempotency key vanished while being taken");
  return { taken: false, row };
}

/** Lease a key whose holder stopped (its lease ran out or was given up); null when another request got there first. */
export async function takeOverKey(db: Db, key: string, staleLock: number, now: number): Promise<{ jobId: string | null } | null> {
  const row = await db
    .update(idempotencyKeys)
    .set({ lockedUntil: now + IDEMPOTENCY_LEASE_MS })
    .where(and(eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, "in_progress"), eq(idempotencyKeys.lockedUntil, staleLock)))
    .returning({ jobId: idempotencyKeys.jobId })
    .get();
  return row ?? null;
}

/** The answer every repeat gets from now on. */
export async function answerKey(db: Db, key: string, status: number, response: string): Promise<void> {
  await db.update(idempotencyKeys).set({ state: "done", status, response, lockedUntil: 0 }).where(eq(idempotencyKeys.key, key));
}

/**
 * The request ended without an answer worth keeping. `resumable`: keep the key (and its job) with the lease
 * given up, so a repeat takes over at once; otherwise forget it, so a repeat starts afresh.
 */
export async function releaseKey(db: Db, key: string, resumable: boolean): Promise<void> {
  const held = and(eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, "in_progress"));
  if (resumable) await db.update(idempotencyKeys).set({ lockedUntil: 0 }).where(held);
  else await db.delete(idempotencyKeys).where(held);
}
