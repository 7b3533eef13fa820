// Storing events: idempotent multi-row inserts, chunked under D1's bound-parameter limit.

import { getTableColumns, inArray } from "drizzle-orm";
import type { TrackingEvent } from "../domain/events";
import { storedIp } from "../domain/ip";
import { chunk, rowsPerStatement } from "../lib/chunk";
import type { Db } from "./client";
import { events } from "./schema";

type EventRow = typeof events.$inferInsert;

const EVENT_COLUMNS = Object.keys(getTableColumns(events)).length;

export interface StoreOptions {
  receivedAt?: number;
  /** Keep whole client addresses (STORE_FULL_IP); by default only their network is written. */
  storeFullIp?: boolean;
}

/** The row for an event: its client address cut to its network here, the one place events are written. */
export function toRow(e: TrackingEvent, receivedAt: number, storeFullIp = false): EventRow {
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
    ip: storedIp(e.ip, storeFullIp),
    metadata: e.metadata ?? null,
    machine: e.machine ?? null,
    machineReason: e.machineReason ?? null,
  };
}

/** Statements that insert the events, each skipping ids already stored (a redelivery adds nothing). */
export function insertEventStatements(db: Db, list: readonly TrackingEvent[], options: StoreOptions = {}) {
  const receivedAt = options.receivedAt ?? Date.now();
  const rows = list.map((e) => toRow(e, receivedAt, options.storeFullIp));
  return chunk(rows, rowsPerStatement(EVENT_COLUMNS)).map((part) => db.insert(events).values(part).onConflictDoNothing());
}

/** Stored events by id (chunked under the bound-parameter limit), as the API reads them. */
export async function eventRowsById(db: Db, ids: readonly string[]): Promise<Map<string, typeof events.$inferSelect>> {
  const parts = await Promise.all(chunk([...new Set(ids)], 90).map((part) => db.select().from(events).where(inArray(events.id, part))));
  return new Map(parts.flat().map((row) => [row.id, row]));
}
