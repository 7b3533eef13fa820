// Webhook endpoints in D1: create, read, page, change, delete (with their deliveries), rotate secrets, health.

import { and, asc, count, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from "./schema";

/** What fan-out needs of an endpoint. */
export interface EndpointFilter {
  id: string;
  eventTypes: readonly string[] | null;
  campaignId: string | null;
}

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewEndpoint = Pick<EndpointRow, "id" | "url" | "description" | "eventTypes" | "campaignId" | "secret">;
export type EndpointChange = Partial<Pick<EndpointRow, "url" | "description" | "eventTypes" | "campaignId" | "enabled">>;

/**
 * Insert the endpoint only while fewer than `limit` exist, in one statement: D1 runs statements one at a time, so
 * the count and the insert cannot interleave with a parallel create (a count, then an insert, let 30 parallel creates
 * through a limit of 20). Undefined when the limit was reached and nothing was written.
 */
export async function insertEndpointWithin(db: Db, endpoint: NewEndpoint, limit: number, now: number): Promise<EndpointRow | undefined> {
  const eventTypes = endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes);
  // An INSERT of constants guarded by a count, with no FROM: Drizzle's insert().select() needs a table to select from.
  const written = await db.run(
    sql`INSERT INTO webhook_endpoints (id, url, description, event_types, campaign_id, secret, created_at, updated_at)
        SELECT ${endpoint.id}, ${endpoint.url}, ${endpoint.description}, ${eventTypes}, ${endpoint.campaignId}, ${endpoint.secret}, ${now}, ${now}
        WHERE (SELECT count(*) FROM webhook_endpoints) < ${limit}`,
  );
  return written.meta.changes === 1 ? findEndpoint(db, endpoint.id) : undefined;
}

export async function countEndpoints(db: Db): Promise<number> {
  return (await db.select({ n: count() }).from(webhookEndpoints).get())?.n ?? 0;
}

export function findEndpoint(db: Db, id: string): Promise<EndpointRow | undefined> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
}

export interface CreatedKey {
  at: number;
  id: string;
}

/** Oldest first, keyset on (created_at, id): `rows` rows after `after`. */
export function listEndpoints(db: Db, after: CreatedKey | null, rows: number): Promise<EndpointRow[]> {
  const next = after
    ? or(gt(webhookEndpoints.createdAt, after.at), and(eq(webhookEndpoints.createdAt, after.at), gt(webhookEndpoints.id, after.id)))
    : undefined;
  return db.select().from(webhookEndpoints).where(next).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id)).limit(rows);
}

/** Apply a change; enabling an endpoint clears why it was disabled and its failure streak. Undefined when not found. */
export async function updateEndpoint(db: Db, id: string, change: EndpointChange, now: number): Promise<EndpointRow | undefined> {
  const reenable = change.enabled === true ? { disabledReason: null, disabledAt: null, failingSince: null } : {};
  const disable = change.enabled === false ? { disabledReason: "disabled through the API", disabledAt: now } : {};
  return db
    .update(webhookEndpoints)
    .set({ ...change, ...reenable, ...disable, updatedAt: now })
    .where(eq(webhookEndpoints.id, id))
    .returning()
    .get();
}

/** The endpoint, its deliveries and their attempts, in one transaction. False when there was no such endpoint. */
export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  const found = await findEndpoint(db, id);
  if (!found) return false;
  await db.batch([
    db.delete(webhookAttempts).where(eq(webhookAttempts.endpointId, id)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id)),
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)),
  ]);
  return true;
}

/**
 * A new current secret; the one it replaces keeps signing until `previousExpiresAt` (a rotation during an overlap
 * drops the oldest). Undefined when not found.
 */
export async function rotateSecret(db: Db, id: string, secret: string, previousExpiresAt: number, now: number): Promise<EndpointRow | undefined> {
  return db
    .update(webhookEndpoints)
    .set({ previousSecret: sql`${webhookEndpoints.secret}`, previousSecretExpiresAt: previousExpiresAt, secret, updatedAt: now })
    .where(eq(webhookEndpoints.id, id))
    .returning()
    .get();
}

/** The enabled endpoints, as fan-out filters them. */
export async function enabledEndpointFilters(db: Db): Promise<EndpointFilter[]> {
  return db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes, campaignId: webhookEndpoints.campaignId })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.enabled, true));
}
