// The archive's stand-ins for people: a random pseudonym and a random secret per person, in D1 until they are erased.

import { sql } from "drizzle-orm";
import { runBatch, type Db, type Statement } from "../db/client";
import { archivePseudonyms } from "../db/schema";
import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";
import { hex } from "../domain/hex";

export interface Pseudonym {
  pseudonym: string;
  /** HMAC key for the person's archived event ids. */
  key: CryptoKey;
}

const random = (bytes: number) => encodeBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** Bound parameters per pseudonym insert, under D1's 100 per statement. */
const PER_STATEMENT = 20;

/**
 * The pseudonym of each contact (identity key → its keyed hash in `hashes`), made on first use. `erasedAt` is each contact hash's tombstone as
 * read before: a row is only made while that tombstone is unchanged, so an erasure racing this run never leaves a
 * mapping behind (its events are gone, and the contact gets no pseudonym here; the caller drops their rows).
 */
export async function pseudonymsOf(
  db: Db,
  hashes: ReadonlyMap<string, string>,
  erasedAt: ReadonlyMap<string, number>,
): Promise<Map<string, Pseudonym>> {
  const all = [...hashes.values()];
  const inserts: Statement[] = [];
  for (let i = 0; i < all.length; i += PER_STATEMENT) {
    const part = all.slice(i, i + PER_STATEMENT).map((h) => ({ h, p: random(12), s: random(16), e: erasedAt.get(h) ?? 0 }));
    // Kept as SQL: an INSERT … SELECT from json_each, guarded by the tombstones (Drizzle's insert().select() selects from a table).
    inserts.push(
      db.run(
        sql`INSERT INTO archive_pseudonyms (contact_hash, pseudonym, secret)
           SELECT n.value ->> '$.h', n.value ->> '$.p', n.value ->> '$.s' FROM json_each(${JSON.stringify(part)}) AS n
           WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE address_hash = n.value ->> '$.h' AND erased_at > n.value ->> '$.e')
           ON CONFLICT (contact_hash) DO NOTHING`,
      ),
    );
  }
  await runBatch(db, inserts);
  const results = all.length
    ? await db
        .select({ hash: archivePseudonyms.contactHash, pseudonym: archivePseudonyms.pseudonym, secret: archivePseudonyms.secret })
        .from(archivePseudonyms)
        .where(sql`${archivePseudonyms.contactHash} IN (SELECT value FROM json_each(${JSON.stringify(all)}))`)
    : [];
  const byHash = new Map(results.map((r) => [r.hash, r]));
  const out = new Map<string, Pseudonym>();
  for (const [contact, hash] of hashes) {
    const row = byHash.get(hash);
    if (!row) continue;
    const key = await crypto.subtle.importKey("raw", decodeBase64Url(row.secret)!, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    out.set(contact, { pseudonym: row.pseudonym, key });
  }
  return out;
}

/** The archived id of an event: 16 bytes of HMAC-SHA256 of its id under the person's secret, as hex. */
export async function archivedEventId(key: CryptoKey, eventId: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(eventId)));
  return hex(mac.subarray(0, 16));
}
