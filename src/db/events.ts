// Storing events: idempotent multi-row inserts, chunked under D1's bound-parameter limit.

import { getTableColumns, inArray } from "drizzle-orm";
import type { TrackingEvent } from "../domain/events";
import { chunk, rowsPerStatement } from "./chunk";
import { database, prepare, type Db } from "./client";
import { events } from "./schema";

type EventRow = typeof events.$inferInsert;

const EVENT_COLUMNS = Object.keys(getTableColumns(events)).length;

export function toRow(e: TrackingEvent, receivedAt: number): EventRow {
  return {
    id: e.id,
    type: e.type,
    campaignId: e.campaignId,
    contactId: e.contactId,
    email: e.email,
    sesMessageId: e.sesMessageId,
    occurredAt: Math.round(e.occurredAt),
    receivedAt,
    link: e.link ?? null,
    linkIndex: e.linkIndex ?? null,
    userAgent: e.userAgent ?? null,
    ip: e.ip ?? null,
    metadata: e.metadata ?? null,
    machine: e.machine ?? null,
    machineReason: e.machineReason ?? null,
  };
}

/** Statements that insert the events, each skipping ids already stored (a redelivery adds nothing). */
export function insertEventStatements(d1: D1Database, list: readonly TrackingEvent[], receivedAt = Date.now()): D1PreparedStatement[] {
  const db = database(d1);
  const rows = list.map((e) => toRow(e, receivedAt));
  return chunk(rows, rowsPerStatement(EVENT_COLUMNS)).map((part) => prepare(d1, db.insert(events).values(part).onConflictDoNothing()));
}

/** Stored events by id (chunked under the bound-parameter limit), as the API reads them. */
export async function eventRowsById(db: Db, ids: readonly string[]): Promise<Map<string, typeof events.$inferSelect>> {
  const parts = await Promise.all(chunk([...new Set(ids)], 90).map((part) => db.select().from(events).where(inArray(events.id, part))));
  return new Map(parts.flat().map((row) => [row.id, row]));
}
