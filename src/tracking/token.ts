// Tracking tokens: minting (version 2 by default) and verifying every version still accepted, base64url in URLs.
//
// Version 1 (token-v1.ts) carries its payload in clear behind an HMAC; version 2 (token-v2.ts) seals it with
// AES-256-GCM. Both put the version and key id in the first two bytes, in clear, so a token names the key that
// verifies it. A token has exactly one spelling: the text must be canonical unpadded base64url, and any change to
// any byte fails authentication before a single field is read.

import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";
import type { KeyRing } from "../config/tracking-keys";
import { destinationIsSafe, MAX_SHORT_BYTES, type TokenKind, type TokenPayload, type VerifyResult } from "./token-payload";
import { MAX_URL_BYTES } from "../domain/destination";
import { signV1, V1, V1_TAG_BYTES, verifyV1 } from "./token-v1";
import { encodeV2, openV2, type RecipientFields, recipientEncoderV2, sealEncodedV2, V2 } from "./token-v2";
import { fail } from "../domain/result";

export type { RecipientFields } from "./token-v2";
export {
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
  return version === V1 ? encodeBase64Url(await signV1(payload, ring)) : finishToken(prepareToken(payload, ring), ring);
}

/** A version-2 token checked and encoded, not yet sealed (prepareToken). */
export interface PreparedToken {
  readonly macInput: Uint8Array<ArrayBuffer>;
}

/**
 * The first half of signToken (version 2, what new links are minted as): the payload checked and encoded, at once and
 * synchronously; a TokenError here when it cannot be a token. finishToken does the cryptography later, so a caller
 * minting many tokens (HTML instrumentation) can seal them all together instead of one per step of its own work.
 */
export function prepareToken(payload: TokenPayload, ring: KeyRing): PreparedToken {
  return { macInput: encodeV2(payload, ring.signingKeyId) };
}

/**
 * prepareToken for many tokens of one recipient of one message (a click per link, the open pixel): the fields they
 * share are checked and encoded once. `prepare(kind, click)` is `prepareToken({ kind, ...fields, ...click }, ring)`.
 */
export function recipientTokens(
  fields: RecipientFields,
  ring: KeyRing,
): (kind: TokenKind, click?: Pick<TokenPayload, "url" | "linkIndex">) => PreparedToken {
  const encode = recipientEncoderV2(fields, ring.signingKeyId);
  return (kind, click) => ({ macInput: encode(kind, click) });
}

/** The second half of signToken: `finishToken(prepareToken(p, ring), ring)` is `signToken(p, ring)`. */
export async function finishToken(prepared: PreparedToken, ring: KeyRing): Promise<string> {
  return encodeBase64Url(await sealEncodedV2(prepared.macInput, ring));
}

export async function verifyToken(token: string, ring: KeyRing): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS) return fail("malformed");
  const bytes = decodeBase64Url(token);
  if (!bytes || bytes.length < 2) return fail("malformed");
  const result = bytes[0] === V2 ? await openV2(bytes, ring) : bytes[0] === V1 ? await verifyV1(bytes, ring) : null;
  if (!result) return fail("unknown_version");
  // Even an authentic click token only ever leads to an http(s) URL.
  return result.ok && !destinationIsSafe(result.payload) ? fail("bad_destination") : result;
}
