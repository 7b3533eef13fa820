// The stored network lists in D1: the copy in force, its parts, and swapping a new copy in.

import { asc, eq, ne, sql } from "drizzle-orm";
import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";
import type { Db, Statement } from "./client";
import { networkLists, networkListsCurrent } from "./schema";

const CURRENT = "current";
/** Bytes per stored part: base64url makes it a third larger, well under D1's 2 MB row limit. */
export const PART_BYTES = 1_000_000;

export interface StoredListsHead {
  version: string;
  refreshedAt: number;
  summary: Record<string, unknown>;
}

/** Which copy is in force (a one-row read), or null before the first refresh. */
export async function storedListsHead(db: Db): Promise<StoredListsHead | null> {
  const row = await db
    .select({ version: networkListsCurrent.version, refreshedAt: networkListsCurrent.refreshedAt, summary: networkListsCurrent.summary })
    .from(networkListsCurrent)
    .where(eq(networkListsCurrent.name, CURRENT))
    .get();
  return row ?? null;
}

/** The bytes of one stored copy, or null when its parts are missing or not base64url. */
export async function storedListsBytes(db: Db, version: string): Promise<Uint8Array | null> {
  const results = await db
    .select({ part: networkLists.part, data: networkLists.data })
    .from(networkLists)
    .where(eq(networkLists.version, version))
    .orderBy(asc(networkLists.part));
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
export function storeListsStatements(db: Db, head: StoredListsHead, bytes: Uint8Array): Statement[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += PART_BYTES) parts.push(bytes.subarray(at, at + PART_BYTES));
  return [
    db.delete(networkLists).where(ne(networkLists.version, head.version)),
    // Every column is written, and nothing refers to these rows: the upsert leaves what INSERT OR REPLACE left.
    ...parts.map((part, i) =>
      db
        .insert(networkLists)
        .values({ version: head.version, part: i, data: encodeBase64Url(part) })
        .onConflictDoUpdate({ target: [networkLists.version, networkLists.part], set: { data: sql`excluded.data` } }),
    ),
    db
      .insert(networkListsCurrent)
      .values({ name: CURRENT, ...head })
      .onConflictDoUpdate({
        target: networkListsCurrent.name,
        set: { version: sql`excluded.version`, refreshedAt: sql`excluded.refreshed_at`, summary: sql`excluded.summary` },
      }),
  ];
}
