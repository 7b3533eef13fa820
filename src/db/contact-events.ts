// Listing stored events newest first with keyset pagination on (occurred_at, id): one contact's, or one campaign's.

import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { EventType } from "../domain/events";
import type { Db } from "./client";
import { events } from "./schema";

export interface EventKey {
  at: number;
  id: string;
}

/** Up to `rows` events matching `where`, newest first, before `before`. */
function eventsPage(db: Db, where: SQL | undefined, before: EventKey | null, rows: number) {
  const after = before ? or(lt(events.occurredAt, before.at), and(eq(events.occurredAt, before.at), lt(events.id, before.id))) : undefined;
  return db.select().from(events).where(and(where, after)).orderBy(desc(events.occurredAt), desc(events.id)).limit(rows);
}

/** Up to `rows` of one contact's events, newest first, before `before`. */
export async function contactEvents(db: Db, contactId: string, before: EventKey | null, rows: number) {
  return eventsPage(db, eq(events.contactId, contactId), before, rows);
}

export interface CampaignEventFilter {
  /** Only opens and clicks with this verdict (events_campaign_machine_time answers it). */
  machine?: boolean;
  type?: EventType;
}

/** Up to `rows` of one campaign's events, newest first, before `before`. */
export async function campaignEvents(db: Db, campaignId: string, filter: CampaignEventFilter, before: EventKey | null, rows: number) {
  const where = and(
    eq(events.campaignId, campaignId),
    filter.machine === undefined ? undefined : eq(events.machine, filter.machine),
    filter.type === undefined ? undefined : eq(events.type, filter.type),
  );
  return eventsPage(db, where, before, rows);
}

export type EventRecord = Awaited<ReturnType<typeof contactEvents>>[number];

export function eventJson(e: EventRecord) {
  return {
    id: e.id,
    type: e.type,
    campaignId: e.campaignId,
    email: e.email,
    sesMessageId: e.sesMessageId,
    occurredAt: new Date(e.occurredAt).toISOString(),
    link: e.link,
    linkIndex: e.linkIndex,
    userAgent: e.userAgent,
    ip: e.ip,
    // Opens and clicks: who made it, and why we think so; null for other events and for rows older than classification.
    machine: e.machine,
    machineReason: e.machineReason,
    metadata: e.metadata,
  };
}
