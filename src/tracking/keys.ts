// Tracking keys: parsed from the TRACKING_KEYS secret and imported into WebCrypto once per isolate.

import type { TrackingConfig } from "../config";
import { ConfigError } from "../errors";
import { decodeBase64Url } from "./base64url";

export interface KeyRing {
  /** The key that signs new tokens (the first one listed). */
  signingKeyId: number;
  keys: ReadonlyMap<number, CryptoKey>;
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

async function importKeyRing(spec: string | undefined): Promise<KeyRing> {
  const parsed = parseKeySpec(spec);
  const keys = new Map<number, CryptoKey>();
  for (const { id, secret } of parsed) {
    keys.set(id, await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  return { signingKeyId: parsed[0]!.id, keys };
}

// Keyed by the secret's text so a rotated secret (new deployment, or tests) gets its own ring.
const rings = new Map<string, Promise<KeyRing>>();

export function keyRing(spec: string | undefined): Promise<KeyRing> {
  const cacheKey = spec ?? "";
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = importKeyRing(spec);
    // A bad spec must not stay cached as a rejected promise forever once it is fixed.
    ring.catch(() => rings.delete(cacheKey));
    rings.set(cacheKey, ring);
  }
  return ring;
}

/** The ring of this deployment's TRACKING_KEYS (checked by config.ts); a ConfigError naming it when it is not set. */
export async function trackingKeyRing(tracking: TrackingConfig): Promise<KeyRing> {
  if (tracking.keys === null) {
    throw new ConfigError("TRACKING_KEYS", "TRACKING_KEYS is not set: tracking links can be neither signed nor verified (see .dev.vars.example)");
  }
  return keyRing(tracking.keys);
}

/** A fresh secret in the TRACKING_KEYS format, for setup scripts. */
export function newKeySecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
}
