// What D1 holds about one person, read for the right of access and to find what erasure must reach.

import { and, asc, eq, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "./client";
import { contactEvents, type EventKey, type EventRecord } from "./contact-events";
import {
  campaigns,
  deadLetters,
  deliveries,
  erasedSuppressions,
  events,
  idempotencyKeys,
  sendJobs,
  suppressionHistory,
  suppressionLifts,
  suppressions,
  webhookDeliveries,
} from "./schema";

/** The part of a person a lookup needs (see privacy/person.ts). */
export interface PersonKeys {
  contactId: string;
  key: string;
  hash: string | null;
}

const PAGE = 500;

/**
 * Every campaign whose counters may hold the contact: those of its stored events, and every campaign older than
 * the retention horizon, whose events (and so the trace of who is in its counters) retention may have deleted.
 */
export async function campaignsOf(db: Db, contactId: string, agedBefore: number): Promise<string[]> {
  const fromEvents = await db
    .selectDistinct({ id: events.campaignId })
    .from(events)
    .where(and(eq(events.contactId, contactId), isNotNull(events.campaignId)));
  const aged = await db.select({ id: campaigns.id }).from(campaigns).where(lt(campaigns.firstEventAt, agedBefore));
  return [...new Set([...fromEvents.map((r) => r.id!), ...aged.map((r) => r.id)])].sort();
}

/** All the contact's events, newest first, read a page at a time; at most `limit` (the caller says if it was reached). */
export async function allEventsOf(db: Db, contactId: string, limit: number): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  let before: EventKey | null = null;
  while (out.length < limit) {
    const rows = await contactEvents(db, contactId, before, PAGE);
    out.push(...rows.slice(0, PAGE));
    if (rows.length <= PAGE) break;
    const last = rows[PAGE - 1]!;
    before = { at: last.occurredAt, id: last.id };
  }
  return out.slice(0, limit);
}

export async function suppressionRecords(db: Db, person: PersonKeys) {
  const [current, erased, lift, history] = await Promise.all([
    db.select().from(suppressions).where(eq(suppressions.emailKey, person.key)).get(),
    person.hash === null ? undefined : db.select().from(erasedSuppressions).where(eq(erasedSuppressions.addressHash, person.hash)).get(),
    db.select().from(suppressionLifts).where(eq(suppressionLifts.emailKey, person.key)).get(),
    db
      .select()
      .from(suppressionHistory)
      .where(sql`lower(${suppressionHistory.email}) = ${person.key}`)
      .orderBy(asc(suppressionHistory.at), asc(suppressionHistory.id)),
  ]);
  return { current, erased, lift, history };
}

/** The person's send claims, with their job's campaign. */
export function deliveriesOf(db: Db, key: string) {
  return db
    .select({
      jobId: deliveries.jobId,
      campaignId: sendJobs.campaignId,
      email: deliveries.email,
      position: deliveries.position,
      state: deliveries.state,
      attempts: deliveries.attempts,
      sesMessageId: deliveries.sesMessageId,
      error: deliveries.error,
      createdAt: deliveries.createdAt,
      updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .leftJoin(sendJobs, eq(sendJobs.id, deliveries.jobId))
    .where(eq(deliveries.recipient, key))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.jobId));
}

/** Dead letters whose body names the person (ASCII case ignored): a scan, but of a table retention keeps small. */
export function deadLettersMentioning(db: Db, key: string) {
  return db
    .select()
    .from(deadLetters)
    .where(sql`instr(lower(${deadLetters.body}), ${key}) > 0`)
    .orderBy(asc(deadLetters.receivedAt), asc(deadLetters.messageId));
}

/** Webhook deliveries whose body (one event, as the API shows it) names the person, sent or not. */
export function webhookDeliveriesMentioning(db: Db, key: string) {
  return db
    .select({
      id: webhookDeliveries.id,
      endpointId: webhookDeliveries.endpointId,
      eventType: webhookDeliveries.eventType,
      campaignId: webhookDeliveries.campaignId,
      state: webhookDeliveries.state,
      payload: webhookDeliveries.payload,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .where(sql`instr(lower(${webhookDeliveries.payload}), ${key}) > 0`)
    .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id));
}

/** Kept answers of sending requests (24 hours) that name the person, e.g. an SES error quoting the address. */
export function idempotencyKeysMentioning(db: Db, key: string) {
  return db
    .select({ key: idempotencyKeys.key, status: idempotencyKeys.status, response: idempotencyKeys.response, createdAt: idempotencyKeys.createdAt })
    .from(idempotencyKeys)
    .where(sql`instr(lower(coalesce(${idempotencyKeys.response}, '')), ${key}) > 0`);
}
