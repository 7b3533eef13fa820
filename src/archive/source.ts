// Where the archive reads events from: rows in a monotonic position order after a cursor (today D1's events rowid;
// a contact shard's own rowid table later), each source archived under its own cursor.

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

type D1Row = {
  position: number;
  id: string;
  type: string;
  campaign_id: string | null;
  contact_id: string | null;
  ses_message_id: string | null;
  occurred_at: number;
  received_at: number;
  link: string | null;
  link_index: number | null;
  machine: number | null;
  machine_reason: string | null;
  source: string | null;
  bounce_type: string | null;
  bounce_subtype: string | null;
};

function fromD1(r: D1Row): SourceRow {
  return {
    position: r.position,
    id: r.id,
    type: r.type,
    campaignId: r.campaign_id,
    contactId: r.contact_id,
    sesMessageId: r.ses_message_id,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    link: r.link,
    linkIndex: r.link_index,
    machine: r.machine === null ? null : r.machine === 1,
    machineReason: r.machine_reason,
    source: r.source,
    bounceType: r.bounce_type,
    bounceSubType: r.bounce_subtype,
  };
}

/**
 * Today's source: D1's events table by rowid (D1 commits one transaction at a time, so a row committed later has a
 * larger rowid). SQLite reuses the largest rowids once they are deleted: whatever deletes events lowers the cursor
 * with them (cursorClampStatement, src/db/archive-cursor.ts).
 */
export function d1EventSource(d1: D1Database): EventSource {
  return {
    name: "d1",
    async heads(after, limit) {
      const { results } = await d1
        .prepare("SELECT rowid AS position, received_at AS receivedAt FROM events WHERE rowid > ?1 ORDER BY rowid LIMIT ?2")
        .bind(after, limit)
        .all<{ position: number; receivedAt: number }>();
      return results;
    },
    async rows(after, to, cutoff) {
      const out: SourceRow[] = [];
      let from = after;
      for (;;) {
        const { results } = await d1
          .prepare(
            `SELECT rowid AS position, id, type, campaign_id, contact_id, ses_message_id, occurred_at, received_at, link, link_index,
               machine, machine_reason, json_extract(metadata, '$.source') AS source,
               json_extract(metadata, '$.bounceType') AS bounce_type, json_extract(metadata, '$.bounceSubType') AS bounce_subtype
             FROM events WHERE rowid > ?1 AND rowid <= ?2 AND received_at < ?3 ORDER BY rowid LIMIT ?4`,
          )
          .bind(from, to, cutoff, PAGE)
          .all<D1Row>();
        out.push(...results.map(fromD1));
        if (results.length < PAGE) return out;
        from = results[results.length - 1]!.position;
      }
    },
  };
}
