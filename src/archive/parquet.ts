// One archive file: archived rows as Parquet (hyparquet-writer; SNAPPY, one row group, delta-packed integers).

import { parquetWriteBuffer } from "hyparquet-writer";

/** A row as the archive holds it: nothing in it names the person (docs/SCALE.md, "The archive"). */
export interface ArchivedEvent {
  /** Hex HMAC of the event's id under the person's random secret (the id itself for events that name nobody). */
  eventId: string;
  type: string;
  campaignId: string | null;
  occurredAt: number;
  /** The person's random pseudonym; null for events that name nobody. */
  contact: string | null;
  /** The clicked link without query string or fragment, address tokens redacted. */
  link: string | null;
  linkIndex: number | null;
  machine: boolean | null;
  machineReason: string | null;
  sesMessageId: string | null;
  /** "ses" for what SES reported (its opens and clicks too); null for what this worker saw itself. */
  source: string | null;
  bounceType: string | null;
  bounceSubType: string | null;
}

/** The file's columns, in order: the contract docs/SCALE.md documents. */
export const ARCHIVE_COLUMNS = [
  "event_id",
  "type",
  "campaign_id",
  "occurred_at",
  "contact",
  "link",
  "link_index",
  "machine",
  "machine_reason",
  "ses_message_id",
  "source",
  "bounce_type",
  "bounce_subtype",
] as const;

/**
 * The Parquet bytes of `rows`. One row group (a file holds one flush, about ARCHIVE_FILE_EVENTS rows), so every
 * column's dictionary covers the whole file; integers are delta-packed (times are close together).
 */
export function archiveParquet(rows: readonly ArchivedEvent[], kv: Record<string, string> = {}): ArrayBuffer {
  const col = <T>(pick: (r: ArchivedEvent) => T) => rows.map(pick);
  return parquetWriteBuffer({
    codec: "SNAPPY",
    rowGroupSize: Math.max(rows.length, 1),
    kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
    createdBy: "mail-tracker archive",
    columnData: [
      { name: "event_id", data: col((r) => r.eventId), type: "STRING", nullable: false },
      { name: "type", data: col((r) => r.type), type: "STRING", nullable: false },
      { name: "campaign_id", data: col((r) => r.campaignId), type: "STRING" },
      { name: "occurred_at", data: col((r) => r.occurredAt), type: "TIMESTAMP", nullable: false, encoding: "DELTA_BINARY_PACKED" },
      { name: "contact", data: col((r) => r.contact), type: "STRING" },
      { name: "link", data: col((r) => r.link), type: "STRING" },
      { name: "link_index", data: col((r) => r.linkIndex), type: "INT32" },
      { name: "machine", data: col((r) => r.machine), type: "BOOLEAN" },
      { name: "machine_reason", data: col((r) => r.machineReason), type: "STRING" },
      { name: "ses_message_id", data: col((r) => r.sesMessageId), type: "STRING" },
      { name: "source", data: col((r) => r.source), type: "STRING" },
      { name: "bounce_type", data: col((r) => r.bounceType), type: "STRING" },
      { name: "bounce_subtype", data: col((r) => r.bounceSubType), type: "STRING" },
    ],
  });
}
