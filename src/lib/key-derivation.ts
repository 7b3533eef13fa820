// HKDF-SHA256 (RFC 5869), the one way this worker turns a secret into keys: a fixed salt per use, a purpose in `info`.

const utf8 = new TextEncoder();

type Secret = Uint8Array<ArrayBuffer> | string;

function importSecret(secret: Secret, usage: "deriveKey" | "deriveBits"): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? utf8.encode(secret) : secret;
  return crypto.subtle.importKey("raw", raw, "HKDF", false, [usage]);
}

function params(salt: string, info: string) {
  return { name: "HKDF", hash: "SHA-256", salt: utf8.encode(salt), info: utf8.encode(info) };
}

/** A non-extractable key for `algorithm`, derived from `secret` for one purpose. */
export async function deriveKey(
  secret: Secret,
  salt: string,
  info: string,
  algorithm: Parameters<SubtleCrypto["deriveKey"]>[2],
  usages: Parameters<SubtleCrypto["deriveKey"]>[4],
): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(params(salt, info), await importSecret(secret, "deriveKey"), algorithm, false, usages);
}

/** `bits` bits derived from `secret` for one purpose, for a library that imports its key itself. */
export async function deriveBits(secret: Secret, salt: string, info: string, bits: number): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.deriveBits(params(salt, info), await importSecret(secret, "deriveBits"), bits));
}
