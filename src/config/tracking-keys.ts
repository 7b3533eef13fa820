// Tracking keys: parsed from the TRACKING_KEYS secret and imported into WebCrypto once per isolate.
//
// Each listed secret yields three keys. Version-1 tokens are MACed with the secret itself (HMAC-SHA256), as they
// always were. Version-2 tokens use two keys derived from the same secret with HKDF-SHA256 (RFC 5869), one per
// purpose (distinct `info`), so no new secret is needed and no key is ever used for two jobs: an AES-256-GCM key
// that seals the payload, and an HMAC-SHA256 key that makes the synthetic IV (see token-v2.ts).

import { deriveKey } from "../lib/key-derivation";
import { ConfigError } from "../lib/errors";
import { decodeBase64Url } from "../lib/base64url";
import { PromiseCache } from "../lib/promise-cache";

export interface TrackingKey {
  /** Version 1: HMAC-SHA256 keyed with the secret, sign and verify. */
  mac: CryptoKey;
  /** Version 2: AES-256-GCM, encrypt and decrypt. */
  aead: CryptoKey;
  /** Version 2: HMAC-SHA256 that derives the IV from the plaintext (sign only). */
  siv: CryptoKey;
}

export interface KeyRing {
  /** The key that signs new tokens (the first one listed). */
  signingKeyId: number;
  keys: ReadonlyMap<number, TrackingKey>;
}

export class KeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyConfigError";
  }
}

const MIN_SECRET_BYTES = 32;

/** Parse "id:secret,id:secret" into raw key material, first entry first. */
export function parseKeySpec(spec: string | undefined): Array<{ id: number; secret: Uint8Array<ArrayBuffer> }> {
  if (!spec || spec.trim() === "") {
    throw new KeyConfigError("TRACKING_KEYS is not set: see .dev.vars.example");
  }
  const seen = new Set<number>();
  return spec.split(",").map((part) => {
    const [idText, secretText, ...rest] = part.trim().split(":");
    const id = Number(idText);
    if (rest.length > 0 || !Number.isInteger(id) || id < 1 || id > 255 || !secretText) {
      throw new KeyConfigError('TRACKING_KEYS entries must look like "<id 1-255>:<base64url secret>"');
    }
    if (seen.has(id)) throw new KeyConfigError(`TRACKING_KEYS lists key id ${id} twice`);
    seen.add(id);
    const secret = decodeBase64Url(secretText);
    if (!secret || secret.length < MIN_SECRET_BYTES) {
      throw new KeyConfigError(`TRACKING_KEYS key ${id} must be base64url of at least ${MIN_SECRET_BYTES} bytes`);
    }
    return { id, secret };
  });
}

/**
 * This application's fixed, public HKDF salt (every key derived from TRACKING_KEYS and ERASURE_KEY uses it; `info`
 * tells their purposes apart). The secrets are already uniformly random: the salt only separates this application
 * from any other use of them. Changing it changes every derived key, the stored erasure hashes' too.
 */
export const HKDF_SALT = "mail-tracker tracking keys";

const HMAC_SHA256 = { name: "HMAC", hash: "SHA-256", length: 256 };

async function importTrackingKey(secret: Uint8Array<ArrayBuffer>): Promise<TrackingKey> {
  const [mac, aead, siv] = await Promise.all([
    crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    deriveKey(secret, HKDF_SALT, "mail-tracker token v2 aes-256-gcm", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
    deriveKey(secret, HKDF_SALT, "mail-tracker token v2 synthetic iv", HMAC_SHA256, ["sign"]),
  ]);
  return { mac, aead, siv };
}

async function importKeyRing(spec: string | undefined): Promise<KeyRing> {
  const parsed = parseKeySpec(spec);
  const keys = new Map<number, TrackingKey>();
  for (const { id, secret } of parsed) keys.set(id, await importTrackingKey(secret));
  return { signingKeyId: parsed[0]!.id, keys };
}

// Keyed by the secret's text so a rotated secret (new deployment, or tests) gets its own ring.
// A bad spec is not kept as a rejected promise once it is fixed: the cache forgets failures.
const rings = new PromiseCache<KeyRing>(8);

export function keyRing(spec: string | undefined): Promise<KeyRing> {
  return rings.get(spec ?? "", () => importKeyRing(spec));
}

/** The ring of this deployment's TRACKING_KEYS (checked by config.ts); a ConfigError naming it when it is not set. */
export async function trackingKeyRing(tracking: { keys: string | null }): Promise<KeyRing> {
  if (tracking.keys === null) {
    throw new ConfigError("TRACKING_KEYS", "TRACKING_KEYS is not set: tracking links can be neither signed nor verified (see .dev.vars.example)");
  }
  return keyRing(tracking.keys);
}

/** A fresh secret in the TRACKING_KEYS format, for setup scripts. */
export function newKeySecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
}
