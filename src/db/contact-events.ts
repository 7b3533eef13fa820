// A contact's events, newest first, with keyset pagination on (occurred_at, id).

import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "./client";
import { events } from "./schema";

export interface EventKey {
  at: number;
  id: string;
}

/** Up to `rows` of one contact's events, newest first, before `before`. */
export async function contactEvents(db: Db, contactId: string, before: EventKey | null, rows: number) {
  const after = before
    ? or(lt(events.occurredAt, before.at), and(eq(events.occurredAt, before.at), lt(events.id, before.id)))
    : undefined;
  return db
    .select()
    .from(events)
    .where(and(eq(events.contactId, contactId), after))
    .orderBy(desc(events.occurredAt), desc(events.id))
    .limit(rows);
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
    metadata: e.metadata,
  };
}
