// What D1 holds about one person, read for the right of access and to find what erasure must reach.

import { and, asc, eq, isNotNull, lt, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { names, prefilterNeedle } from "../domain/identity";
import type { Db } from "./client";
import { contactEvents, type EventKey, type EventRecord } from "./contact-events";
import {
  campaigns,
  deadLetters,
  deliveries,
  erasedSuppressions,
  events,
  sendJobs,
  suppressionHistory,
  suppressionLifts,
  suppressions,
  webhookDeliveries,
} from "./schema";

/** The part of a person a lookup needs (see privacy/person.ts): `contactId` and `key` are the same identity key. */
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

/** The id, campaign, type and spelling of every stored event of the contact: what erasure must forget beyond D1. */
export function eventIdsOf(db: Db, contactId: string) {
  return db
    .select({ id: events.id, campaignId: events.campaignId, type: events.type, email: events.email })
    .from(events)
    .where(eq(events.contactId, contactId));
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
      .where(eq(suppressionHistory.emailKey, person.key))
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

/**
 * Rows whose text may name the person, found by a cheap superset test in SQL (their local part, or a percent-escape
 * that may spell it) and then exactly, by address tokens (src/domain/identity.ts). A scan, of tables retention keeps
 * small, for the rare erasure or export.
 */
function candidates(column: SQLiteColumn, key: string) {
  return sql`(instr(lower(${column}), ${prefilterNeedle(key)}) > 0 OR instr(${column}, '%') > 0)`;
}

/** Dead letters whose body names the person. */
export async function deadLettersMentioning(db: Db, key: string) {
  const rows = await db
    .select()
    .from(deadLetters)
    .where(candidates(deadLetters.body, key))
    .orderBy(asc(deadLetters.receivedAt), asc(deadLetters.messageId));
  return rows.filter((r) => names(r.body, key));
}

const deliveryColumns = {
  id: webhookDeliveries.id,
  endpointId: webhookDeliveries.endpointId,
  eventType: webhookDeliveries.eventType,
  campaignId: webhookDeliveries.campaignId,
  state: webhookDeliveries.state,
  payload: webhookDeliveries.payload,
  createdAt: webhookDeliveries.createdAt,
  deliveredAt: webhookDeliveries.deliveredAt,
};

/** The person's webhook deliveries (each carries one event of theirs), sent or not: by key, compared for equality. */
export function webhookDeliveriesOf(db: Db, key: string) {
  return db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.contactKey, key))
    .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id));
}

/** Other people's webhook deliveries whose payload names the person (a link carrying their address): to redact. */
export async function othersWebhookPayloadsNaming(db: Db, key: string): Promise<Array<{ id: string; payload: string }>> {
  const rows = await db
    .select({ id: webhookDeliveries.id, payload: webhookDeliveries.payload })
    .from(webhookDeliveries)
    .where(and(candidates(webhookDeliveries.payload, key), sql`${webhookDeliveries.contactKey} IS NOT ${key}`));
  return rows.filter((r) => names(r.payload, key));
}

/** Other people's events whose link names the person: to redact (the person's own events are deleted whole). */
export async function othersEventLinksNaming(db: Db, key: string): Promise<Array<{ id: string; campaignId: string | null; link: string }>> {
  const rows = await db
    .select({ id: events.id, campaignId: events.campaignId, link: events.link })
    .from(events)
    .where(and(isNotNull(events.link), candidates(events.link, key), sql`${events.contactId} IS NOT ${key}`));
  return rows.flatMap((r) => (r.link !== null && names(r.link, key) ? [{ id: r.id, campaignId: r.campaignId, link: r.link }] : []));
}
