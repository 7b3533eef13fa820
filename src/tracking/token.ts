// Tracking tokens: minting (version 2 by default) and verifying every version still accepted, base64url in URLs.
//
// Version 1 (token-v1.ts) carries its payload in clear behind an HMAC; version 2 (token-v2.ts) seals it with
// AES-256-GCM. Both put the version and key id in the first two bytes, in clear, so a token names the key that
// verifies it. A token has exactly one spelling: the text must be canonical unpadded base64url, and any change to
// any byte fails authentication before a single field is read.

import { decodeBase64Url, encodeBase64Url } from "./base64url";
import type { KeyRing } from "./keys";
import { destinationIsSafe, MAX_SHORT_BYTES, MAX_URL_BYTES, type TokenPayload, type VerifyResult } from "./token-payload";
import { signV1, V1, V1_TAG_BYTES, verifyV1 } from "./token-v1";
import { openV2, sealV2, V2 } from "./token-v2";

export {
  MAX_URL_BYTES,
  normalizeDestination,
  TokenError,
  type TokenKind,
  type TokenPayload,
  type VerifyResult,
} from "./token-payload";

export type TokenVersion = typeof V1 | typeof V2;
/** What new links are minted as. */
export const TOKEN_VERSION: TokenVersion = V2;

/** Longest token text worth decoding: the largest version-1 token (the larger format), base64url-encoded. */
export const MAX_TOKEN_CHARS = Math.ceil(((3 + 3 * (1 + MAX_SHORT_BYTES) + 4 + MAX_URL_BYTES + V1_TAG_BYTES) * 4) / 3);

export async function signToken(payload: TokenPayload, ring: KeyRing, version: TokenVersion = TOKEN_VERSION): Promise<string> {
  return encodeBase64Url(version === V1 ? await signV1(payload, ring) : await sealV2(payload, ring));
}

export async function verifyToken(token: string, ring: KeyRing): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "malformed" };
  const bytes = decodeBase64Url(token);
  if (!bytes || bytes.length < 2) return { ok: false, reason: "malformed" };
  const result = bytes[0] === V2 ? await openV2(bytes, ring) : bytes[0] === V1 ? await verifyV1(bytes, ring) : null;
  if (!result) return { ok: false, reason: "unknown_version" };
  // Even an authentic click token only ever leads to an http(s) URL.
  return result.ok && !destinationIsSafe(result.payload) ? { ok: false, reason: "bad_destination" } : result;
}
