// The keyed hash that stands in for an erased person's address: HMAC-SHA256 under a key derived from ERASURE_KEY.
//
// Why a dedicated secret and not TRACKING_KEYS: tracking keys rotate and old ones are removed once their links no
// longer matter, but an erased suppression must be recognised for ever. A hash keyed by a tracking key would stop
// matching when that key is retired, and the person would be mailable again without anyone noticing. ERASURE_KEY
// is never rotated. Why keyed at all: addresses are guessable, so a plain (or publicly salted) hash of one could be
// reversed by hashing candidate addresses; without the key, the stored hash reveals nothing.

import type { PrivacyConfig } from "../config/config";
import { identityKey } from "../domain/identity";
import { ConfigError } from "../lib/errors";
import { PromiseCache } from "../lib/promise-cache";
import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";
import { HKDF_SALT } from "../config/tracking-keys";
import { deriveKey } from "../lib/key-derivation";

const MIN_SECRET_BYTES = 32;
const keys = new PromiseCache<CryptoKey>(8);

/** The purposes ERASURE_KEY is used for, each with its own derived HMAC key. */
export type ErasureKeyUse = "mail-tracker erased address" | "mail-tracker idempotency key";

async function importErasureKey(secret: string, use: ErasureKeyUse): Promise<CryptoKey> {
  const bytes = decodeBase64Url(secret.trim());
  if (!bytes || bytes.length < MIN_SECRET_BYTES)
    throw new ConfigError("ERASURE_KEY", `ERASURE_KEY must be base64url of at least ${MIN_SECRET_BYTES} bytes`);
  return deriveKey(bytes, HKDF_SALT, use, { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"]);
}

/** An HMAC key derived from ERASURE_KEY for `use`, imported once per isolate; null when ERASURE_KEY is not set. */
export function erasureKey(secret: string | null | undefined, use: ErasureKeyUse = "mail-tracker erased address"): Promise<CryptoKey> | null {
  if (!secret || secret.trim() === "") return null;
  return keys.get(`${use}\n${secret}`, () => importErasureKey(secret, use));
}

/** HMAC-SHA256 of the text, base64url. */
export async function hmacText(key: CryptoKey, text: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text))));
}

/** The address's stand-in: HMAC of its case-insensitive key (as suppressions compare addresses), base64url. */
export async function addressHash(key: CryptoKey, address: string): Promise<string> {
  return hmacText(key, identityKey(address));
}

/** The hash for an address under this deployment's ERASURE_KEY; null when the key is not set. */
export async function addressHashFor(privacy: Pick<PrivacyConfig, "erasureKey">, address: string): Promise<string | null> {
  const key = erasureKey(privacy.erasureKey);
  return key ? addressHash(await key, address) : null;
}
