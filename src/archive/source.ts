// Where the archive reads events from: rows in a monotonic position order after a cursor (today D1's events rowid;
// a contact shard's own rowid table later), each source archived under its own cursor.

import { and, gt, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { events } from "../db/schema";

/** A stored event as a source hands it to the archive (what the archive keeps of it is decided in rows.ts). */
export interface SourceRow {
  /** The row's place in the source: strictly increasing in the order rows were committed. */
  position: number;
  id: string;
  type: string;
  campaignId: string | null;
  /** The identity key of the person (src/domain/identity.ts); null for events that name nobody. */
  contactId: string | null;
  sesMessageId: string | null;
  occurredAt: number;
  /** When the row was stored: its verdict has settled once this is older than the settle horizon. */
  receivedAt: number;
  link: string | null;
  linkIndex: number | null;
  machine: boolean | null;
  machineReason: string | null;
  source: string | null;
  bounceType: string | null;
  bounceSubType: string | null;
}

export interface EventSource {
  /** Names the cursor (archive_cursor.source) and the files written from this source. */
  readonly name: string;
  /** Position and store time of the first `limit` rows after `after`, in position order. */
  heads(after: number, limit: number): Promise<Array<{ position: number; receivedAt: number }>>;
  /** The rows in (after, to] stored before `cutoff`, in position order. */
  rows(after: number, to: number, cutoff: number): Promise<SourceRow[]>;
}

/** Rows per D1 read: each answer stays small whatever the file size. */
const PAGE = 2000;

/**
 * Today's source: D1's events table by rowid (D1 commits one transaction at a time, so a row committed later has a
 * larger rowid). SQLite reuses the largest rowids once they are deleted: whatever deletes events lowers the cursor
 * with them (cursorClampStatement, src/db/archive-cursor.ts).
 */
export function d1EventSource(db: Db): EventSource {
  const position = sql<number>`rowid`;
  return {
    name: "d1",
    async heads(after, limit) {
      return db.select({ position, receivedAt: events.receivedAt }).from(events).where(gt(position, after)).orderBy(position).limit(limit);
    },
    async rows(after, to, cutoff) {
      const out: SourceRow[] = [];
      let from = after;
      for (;;) {
        const results = await db
          .select({
            position,
            id: events.id,
            type: events.type,
            campaignId: events.campaignId,
            contactId: events.contactId,
            sesMessageId: events.sesMessageId,
            occurredAt: events.occurredAt,
            receivedAt: events.receivedAt,
            link: events.link,
            linkIndex: events.linkIndex,
            machine: events.machine,
            machineReason: events.machineReason,
            source: sql<string | null>`json_extract(${events.metadata}, '$.source')`,
            bounceType: sql<string | null>`json_extract(${events.metadata}, '$.bounceType')`,
            bounceSubType: sql<string | null>`json_extract(${events.metadata}, '$.bounceSubType')`,
          })
          .from(events)
          .where(and(gt(position, from), lte(position, to), lt(events.receivedAt, cutoff)))
          .orderBy(position)
          .limit(PAGE);
        out.push(...results);
        if (results.length < PAGE) return out;
        from = results[results.length - 1]!.position;
      }
    },
  };
}
