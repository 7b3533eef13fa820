// The stored network lists in D1: the copy in force, its parts, and swapping a new copy in.

import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";

const CURRENT = "current";
/** Bytes per stored part: base64url makes it a third larger, well under D1's 2 MB row limit. */
export const PART_BYTES = 1_000_000;

export interface StoredListsHead {
  version: string;
  refreshedAt: number;
  summary: Record<string, unknown>;
}

/** Which copy is in force (a one-row read), or null before the first refresh. */
export async function storedListsHead(d1: D1Database): Promise<StoredListsHead | null> {
  const row = await d1
    .prepare("SELECT version, refreshed_at, summary FROM network_lists_current WHERE name = ?")
    .bind(CURRENT)
    .first<{ version: string; refreshed_at: number; summary: string }>();
  return row ? { version: row.version, refreshedAt: row.refreshed_at, summary: JSON.parse(row.summary) as Record<string, unknown> } : null;
}

/** The bytes of one stored copy, or null when its parts are missing or not base64url. */
export async function storedListsBytes(d1: D1Database, version: string): Promise<Uint8Array | null> {
  const { results } = await d1
    .prepare("SELECT part, data FROM network_lists WHERE version = ? ORDER BY part")
    .bind(version)
    .all<{ part: number; data: string }>();
  if (results.length === 0 || results.some((r, i) => r.part !== i)) return null;
  const parts = results.map((r) => decodeBase64Url(r.data));
  if (parts.some((p) => p === null)) return null;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p!.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p!, at);
    at += p!.length;
  }
  return bytes;
}

/**
 * Statements that store a new copy and put it in force, dropping every other copy: run them as one batch (one
 * transaction), so the last good copy is replaced whole or not at all.
 */
export function storeListsStatements(d1: D1Database, head: StoredListsHead, bytes: Uint8Array): D1PreparedStatement[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += PART_BYTES) parts.push(bytes.subarray(at, at + PART_BYTES));
  return [
    d1.prepare("DELETE FROM network_lists WHERE version != ?").bind(head.version),
    ...parts.map((part, i) =>
      d1.prepare("INSERT OR REPLACE INTO network_lists (version, part, data) VALUES (?, ?, ?)").bind(head.version, i, encodeBase64Url(part)),
    ),
    d1
      .prepare(
        `INSERT INTO network_lists_current (name, version, refreshed_at, summary) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, refreshed_at = excluded.refreshed_at, summary = excluded.summary`,
      )
      .bind(CURRENT, head.version, head.refreshedAt, JSON.stringify(head.summary)),
  ];
}
