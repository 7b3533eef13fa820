// Version-2 tracking tokens: the payload sealed with AES-256-GCM, so a link reveals nothing about who got it.
//
// Layout:   version u8 (2) | keyId u8 | iv (12 bytes) | AES-256-GCM ciphertext of the plaintext | tag (16 bytes)
// The version and key id are in clear (key rotation works as for version 1) and are the AEAD's associated data, so
// they are authenticated too. Plaintext, as compact as the fields allow:
//   head u8: kind code (bits 0-1) | click only: 0x04 when the URL is https, 0x08 when linkIndex needs two bytes
//   campaignId (u8 len, UTF-8) | contact (u8 len, UTF-8) | messageId (u8 len, UTF-8, may be empty)
//   click only: linkIndex (u8, or u16 when head has 0x08) | the URL after "https://" or "http://" (the rest)
//
// The IV is synthetic (SIV-style, as in RFC 5297's construction): the first 96 bits of HMAC-SHA256 under a second
// derived key over version | keyId | plaintext. The same link always seals to the same token, so an IV repeats only
// with its plaintext, where a repeat reveals nothing; two different plaintexts share an IV with probability about
// n²/2⁹⁷ after n tokens, the bound random 96-bit IVs have, but minting the same link again never spends any of it.
// A random IV would need a counted budget per key (NIST SP 800-38D: 2³² encryptions) and would give one link many
// spellings. Decoding does not recompute the IV: GCM's tag already refuses any change to any byte, and the extra HMAC
// would only re-check the mint, at a cost on every open and click.

import type { KeyRing } from "../config/tracking-keys";
import { fail } from "../domain/result";
import {
  ByteReader,
  ByteWriter,
  clickDestination,
  KIND_CODES,
  KINDS_BY_CODE,
  TokenError,
  type TokenKind,
  type TokenPayload,
  type VerifyResult,
} from "./token-payload";

export const V2 = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2;
/** head, three length bytes, one byte each for campaignId and contact. */
const MIN_PLAINTEXT_BYTES = 6;
export const V2_MIN_BYTES = HEADER_BYTES + IV_BYTES + MIN_PLAINTEXT_BYTES + TAG_BYTES;

const HTTPS = 0x04;
const WIDE_INDEX = 0x08;
const KIND_MASK = 0x03;
const SCHEMES = { https: "https://", http: "http://" } as const;

/** What a click adds to the plaintext: its head flags, its index and its URL after the scheme. */
interface ClickPart {
  flags: number;
  linkIndex: number;
  rest: string;
}

/** Throws TokenError when the payload's destination or index cannot be in a token. */
function clickPart(payload: Pick<TokenPayload, "url" | "linkIndex">): ClickPart {
  const { url, linkIndex } = clickDestination(payload);
  const https = url.startsWith(SCHEMES.https);
  return {
    flags: (https ? HTTPS : 0) | (linkIndex > 0xff ? WIDE_INDEX : 0),
    linkIndex,
    rest: url.slice((https ? SCHEMES.https : SCHEMES.http).length),
  };
}

/** campaignId | contact | messageId as the plaintext carries them; throws TokenError when one is too long. */
function recipientPart(fields: RecipientFields): Uint8Array<ArrayBuffer> {
  return new ByteWriter()
    .short(fields.campaignId, "campaignId")
    .short(fields.contact, "contact")
    .short(fields.messageId ?? "", "messageId")
    .finish();
}

const utf8 = new TextEncoder();

/** version | keyId | plaintext, in one buffer of the size it needs. */
function macInput(keyId: number, kind: TokenKind, recipient: Uint8Array, click: ClickPart | null): Uint8Array<ArrayBuffer> {
  // UTF-8 takes at most three bytes per UTF-16 code unit: the URL always fits whole.
  const out = new Uint8Array(HEADER_BYTES + 1 + recipient.length + (click ? 2 + 3 * click.rest.length : 0));
  out[0] = V2;
  out[1] = keyId;
  out[2] = KIND_CODES[kind] | (click?.flags ?? 0);
  out.set(recipient, 3);
  let at = 3 + recipient.length;
  if (!click) return out;
  if (click.linkIndex > 0xff) out[at++] = click.linkIndex >> 8;
  out[at++] = click.linkIndex & 0xff;
  at += utf8.encodeInto(click.rest, out.subarray(at)).written;
  return out.subarray(0, at);
}

/**
 * version | keyId | plaintext: what the synthetic IV is computed over, the plaintext at HEADER_BYTES. Synchronous and
 * apart from the sealing (sealEncodedV2), so a caller minting many tokens can check and encode each as it meets it and
 * seal them all together. Throws TokenError when the payload cannot be a token.
 */
export function encodeV2(payload: TokenPayload, keyId: number): Uint8Array<ArrayBuffer> {
  const click = payload.kind === "click" ? clickPart(payload) : null;
  return macInput(keyId, payload.kind, recipientPart(payload), click);
}

/** The fields every token minted for one recipient of one message shares. */
export type RecipientFields = Pick<TokenPayload, "campaignId" | "contact" | "messageId">;

/**
 * encodeV2 for many tokens of one recipient (HTML instrumentation: one per link): the fields they share are checked
 * and encoded once, and each token encodes only its own kind, index and URL.
 */
export function recipientEncoderV2(
  fields: RecipientFields,
  keyId: number,
): (kind: TokenKind, click?: Pick<TokenPayload, "url" | "linkIndex">) => Uint8Array<ArrayBuffer> {
  let recipient: Uint8Array | TokenError;
  try {
    recipient = recipientPart(fields);
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    recipient = err;
  }
  return (kind, click) => {
    const part = kind === "click" ? clickPart(click ?? {}) : null;
    // Fields too long fail every token, each when it is asked for, as encodeV2 would.
    if (recipient instanceof TokenError) throw recipient;
    return macInput(keyId, kind, recipient, part);
  };
}

/** Parse an authentic plaintext; null when its structure is wrong in any way (one meaning, one encoding). */
function decodePlaintext(bytes: Uint8Array): TokenPayload | null {
  const read = new ByteReader(bytes);
  const head = read.u8() ?? 0;
  const kind = KINDS_BY_CODE[head & KIND_MASK];
  if (!kind) return null;
  // Flags belong to clicks, and no other bit is used.
  if ((head & ~KIND_MASK) !== 0 && (kind !== "click" || (head & ~(KIND_MASK | HTTPS | WIDE_INDEX)) !== 0)) return null;
  const payload = read.common(kind);
  if (!payload) return null;
  if (kind === "click") {
    const wide = (head & WIDE_INDEX) !== 0;
    const linkIndex = wide ? read.u16() : read.u8();
    // A two-byte index below 256 would be a second spelling of a one-byte one.
    if (linkIndex === null || (wide && linkIndex <= 0xff)) return null;
    const rest = read.rest();
    if (!rest) return null;
    payload.linkIndex = linkIndex;
    payload.url = ((head & HTTPS) !== 0 ? SCHEMES.https : SCHEMES.http) + rest;
  }
  return read.done ? payload : null;
}

/** Seal what encodeV2 returned, with the key its header names. */
export async function sealEncodedV2(macInput: Uint8Array<ArrayBuffer>, ring: KeyRing): Promise<Uint8Array<ArrayBuffer>> {
  const key = ring.keys.get(macInput[1]!)!;
  // One buffer for both steps (the header and plaintext are views of it): nothing is copied before sealing.
  const header = macInput.subarray(0, HEADER_BYTES);
  const iv = new Uint8Array(await crypto.subtle.sign("HMAC", key.siv, macInput), 0, IV_BYTES);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: header, tagLength: TAG_BYTES * 8 }, key.aead, macInput.subarray(HEADER_BYTES)),
  );
  const token = new Uint8Array(HEADER_BYTES + IV_BYTES + sealed.length);
  token.set(header);
  token.set(iv, HEADER_BYTES);
  token.set(sealed, HEADER_BYTES + IV_BYTES);
  return token;
}

/** `bytes` is a canonical base64url decoding whose first byte is 2. */
export async function openV2(bytes: Uint8Array<ArrayBuffer>, ring: KeyRing): Promise<VerifyResult> {
  if (bytes.length < V2_MIN_BYTES) return fail("malformed");
  const keyId = bytes[1]!;
  const key = ring.keys.get(keyId);
  if (!key) return fail("unknown_key");
  let plaintext: Uint8Array;
  try {
    // Decryption and authentication are one step: GCM yields nothing unless the tag matches every byte.
    plaintext = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
          additionalData: bytes.subarray(0, HEADER_BYTES),
          tagLength: TAG_BYTES * 8,
        },
        key.aead,
        bytes.subarray(HEADER_BYTES + IV_BYTES),
      ),
    );
  } catch {
    return fail("bad_signature");
  }
  const payload = decodePlaintext(plaintext);
  return payload ? { ok: true, payload, keyId, version: V2 } : fail("malformed");
}
