// Idempotency keys that name nobody: stored and looked up as a keyed digest, their answers kept without the key or
// any address, so that erasing a person never has to touch (and so never weakens) the record that stops a repeat.
//
// A key is often made of what the client knows ("newsletter-ann@example.com"). Stored as it is, it would name the
// person, and erasing it would let the same request send again. The digest is HMAC-SHA256 under a key derived from
// ERASURE_KEY (never rotated, so a repeat within the 24 hours always finds its record; keyed, so the digest of a
// guessable key cannot be recomputed without the secret). A replayed answer puts the caller's own key back.

import type { PrivacyConfig } from "../config/config";
import type { Db } from "../db/client";
import { digestKey, legacyKeys, type LegacyKey } from "../db/idempotency";
import { redactAll } from "../domain/identity";
import { ConfigError } from "../lib/errors";
import { erasureKey, hmacText } from "./address-hash";

/** What stands for the caller's key inside a kept answer. */
const KEY_MARK = "(the request's Idempotency-Key)";
const KEY_FIELD = "idempotencyKey";

/** The stored form of a caller's key. Without ERASURE_KEY nothing is sent (as for suppression checks): 503. */
export async function idempotencyDigest(privacy: Pick<PrivacyConfig, "erasureKey">, key: string): Promise<string> {
  const hmac = erasureKey(privacy.erasureKey, "mail-tracker idempotency key");
  if (!hmac) throw new ConfigError("ERASURE_KEY", "ERASURE_KEY is not set: Idempotency-Keys are kept as digests keyed by it");
  return hmacText(await hmac, key);
}

function mapKeyFields(value: unknown, to: (v: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeyFields(v, to));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === KEY_FIELD ? to(v) : mapKeyFields(v, to)]));
}

/**
 * The answer as it is kept: every `idempotencyKey` field holds a mark instead of the key, and every address-shaped
 * token (an SES error quoting the recipient) is replaced, so the row names nobody.
 */
export function storedAnswer(answer: unknown): string {
  return redactAll(JSON.stringify(mapKeyFields(answer, () => KEY_MARK)));
}

/** A kept answer given again: the caller's own key where the first answer had it. */
export function replayedAnswer(stored: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return stored;
  }
  return JSON.stringify(mapKeyFields(parsed, (v) => (v === KEY_MARK ? key : v)));
}

/** Rows moved per scheduled run: a day of keys from before digests is gone within a few runs. */
const LEGACY_PER_RUN = 500;

async function digestRows(db: Db, privacy: Pick<PrivacyConfig, "erasureKey">, rows: readonly LegacyKey[]): Promise<number> {
  for (const row of rows) {
    let response: string | null = null;
    if (row.response !== null) {
      try {
        response = storedAnswer(JSON.parse(row.response));
      } catch {
        response = redactAll(row.response);
      }
    }
    await digestKey(db, row, await idempotencyDigest(privacy, row.key), response);
  }
  return rows.length;
}

/** The row of this one key, if it is still stored under the key itself: moved before the key is looked up. */
export async function digestLegacyKey(db: Db, privacy: Pick<PrivacyConfig, "erasureKey">, key: string): Promise<void> {
  await digestRows(db, privacy, await legacyKeys(db, 1, key));
}

/** Every row still stored under a caller's key (the scheduled run, and erasure before it reads anything). */
export async function digestLegacyKeys(db: Db, privacy: Pick<PrivacyConfig, "erasureKey">, limit = LEGACY_PER_RUN): Promise<number> {
  if (!privacy.erasureKey) return 0;
  return digestRows(db, privacy, await legacyKeys(db, limit));
}
