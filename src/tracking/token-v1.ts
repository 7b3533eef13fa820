// Version-1 tracking tokens: the payload in clear, authenticated with HMAC-SHA256. Still verified while their key is
// listed (links already in inboxes); new links are version 2 (token-v2.ts).
//
// Layout (all integers big-endian):
//   version u8 (1) | keyId u8 | kind u8 | campaignId (u8 len, UTF-8) | contact (u8 len, UTF-8)
//   | messageId (u8 len, UTF-8, may be empty)
//   | click only: linkIndex u16 | url (u16 len, UTF-8)
//   | tag: 32 bytes HMAC-SHA256 over everything before it
// Every field is length-checked on decode and trailing bytes are refused, so a token has one meaning.

import type { KeyRing } from "../config/tracking-keys";
import { ByteReader, ByteWriter, clickDestination, KIND_CODES, KINDS_BY_CODE, type TokenPayload, type VerifyResult } from "./token-payload";
import { fail } from "../domain/result";

export const V1 = 1;
export const V1_TAG_BYTES = 32;
/** version, key, kind, three empty-length bytes, and the tag. */
export const V1_MIN_BYTES = 3 + 3 + V1_TAG_BYTES;

function encode(payload: TokenPayload, keyId: number): Uint8Array<ArrayBuffer> {
  const out = new ByteWriter()
    .push(V1, keyId, KIND_CODES[payload.kind])
    .short(payload.campaignId, "campaignId")
    .short(payload.contact, "contact")
    .short(payload.messageId ?? "", "messageId");
  if (payload.kind === "click") {
    const { url, linkIndex } = clickDestination(payload);
    const bytes = new TextEncoder().encode(url);
    out.push(linkIndex >> 8, linkIndex & 0xff, bytes.length >> 8, bytes.length & 0xff, ...bytes);
  }
  return out.finish();
}

/** Decode the signed part; null when its structure is wrong in any way. */
function decode(bytes: Uint8Array): TokenPayload | null {
  const kind = KINDS_BY_CODE[bytes[2]!];
  if (!kind) return null;
  const read = new ByteReader(bytes, 3);
  const payload = read.common(kind);
  if (!payload) return null;
  if (kind === "click") {
    const linkIndex = read.u16();
    const length = read.u16();
    const url = length === null ? null : read.text(length);
    if (linkIndex === null || url === null) return null;
    payload.linkIndex = linkIndex;
    payload.url = url;
  }
  return read.done ? payload : null;
}

export async function signV1(payload: TokenPayload, ring: KeyRing): Promise<Uint8Array<ArrayBuffer>> {
  const body = encode(payload, ring.signingKeyId);
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", ring.keys.get(ring.signingKeyId)!.mac, body));
  const token = new Uint8Array(body.length + V1_TAG_BYTES);
  token.set(body);
  token.set(tag, body.length);
  return token;
}

/** `bytes` is a canonical base64url decoding whose first byte is 1. */
export async function verifyV1(bytes: Uint8Array<ArrayBuffer>, ring: KeyRing): Promise<VerifyResult> {
  if (bytes.length < V1_MIN_BYTES) return fail("malformed");
  const key = ring.keys.get(bytes[1]!);
  if (!key) return fail("unknown_key");
  const body = bytes.subarray(0, bytes.length - V1_TAG_BYTES);
  const tag = bytes.subarray(bytes.length - V1_TAG_BYTES);
  // The MAC is checked before the payload is parsed: nothing unauthenticated is interpreted.
  if ((await crypto.subtle.verify("HMAC", key.mac, tag, body)) !== true) return fail("bad_signature");
  const payload = decode(body);
  return payload ? { ok: true, payload, keyId: bytes[1]!, version: V1 } : fail("malformed");
}
