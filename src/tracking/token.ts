// Tracking tokens: a compact binary payload authenticated with HMAC-SHA256, base64url-encoded.
//
// Layout (all integers big-endian):
//   version u8 | keyId u8 | kind u8 | campaignId (u8 len, UTF-8) | contact (u8 len, UTF-8)
//   | messageId (u8 len, UTF-8, may be empty)
//   | click only: linkIndex u16 | url (u16 len, UTF-8)
//   | tag: 32 bytes HMAC-SHA256 over everything before it
// Every field is length-checked on decode and trailing bytes are refused, so a token has one meaning.

import { decodeBase64Url, encodeBase64Url } from "./base64url";
import type { KeyRing } from "./keys";

export const TOKEN_VERSION = 1;
export type TokenKind = "open" | "click" | "unsubscribe";

const KIND_CODES: Record<TokenKind, number> = { open: 1, click: 2, unsubscribe: 3 };
const KINDS_BY_CODE: Record<number, TokenKind> = { 1: "open", 2: "click", 3: "unsubscribe" };

const TAG_BYTES = 32;
export const MAX_URL_BYTES = 4096;
/** Longest token text worth decoding: the largest payload plus tag, base64url-encoded. */
export const MAX_TOKEN_CHARS = Math.ceil(((3 + 3 * 256 + 4 + MAX_URL_BYTES + TAG_BYTES) * 4) / 3);

export interface TokenPayload {
  kind: TokenKind;
  campaignId: string;
  /** The recipient's address. */
  contact: string;
  /** Optional id of the individual send this link was minted for. */
  messageId?: string;
  /** Click tokens only: the destination, always an absolute http(s) URL. */
  url?: string;
  /** Click tokens only: the link's position in its message, for per-link stats. */
  linkIndex?: number;
}

export type VerifyResult =
  | { ok: true; payload: TokenPayload; keyId: number }
  | { ok: false; reason: "malformed" | "unknown_version" | "unknown_key" | "bad_signature" | "bad_destination" };

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The one gate for destinations: only absolute http(s) URLs, in their parsed (normalised) form.
 * Returns null for anything else (javascript:, data:, relative, unparsable).
 */
export function normalizeDestination(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  return parsed.href;
}

function encodePayload(payload: TokenPayload, keyId: number): Uint8Array<ArrayBuffer> {
  const parts: number[] = [TOKEN_VERSION, keyId, KIND_CODES[payload.kind]];
  const pushShort = (text: string, field: string) => {
    const bytes = utf8.encode(text);
    if (bytes.length > 255) throw new TokenError(`${field} is longer than 255 bytes`);
    parts.push(bytes.length, ...bytes);
  };
  pushShort(payload.campaignId, "campaignId");
  pushShort(payload.contact, "contact");
  pushShort(payload.messageId ?? "", "messageId");
  if (payload.kind === "click") {
    const url = payload.url === undefined ? null : normalizeDestination(payload.url);
    if (url === null) throw new TokenError("a click token needs an absolute http(s) URL");
    const bytes = utf8.encode(url);
    if (bytes.length > MAX_URL_BYTES) throw new TokenError(`url is longer than ${MAX_URL_BYTES} bytes`);
    const index = payload.linkIndex ?? 0;
    if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new TokenError("linkIndex is out of range");
    parts.push(index >> 8, index & 0xff, bytes.length >> 8, bytes.length & 0xff, ...bytes);
  }
  return Uint8Array.from(parts);
}

/** Decode the signed part; null when its structure is wrong in any way. */
function decodePayload(bytes: Uint8Array): { keyId: number; payload: TokenPayload } | null {
  let at = 3;
  const kind = KINDS_BY_CODE[bytes[2]!];
  if (!kind) return null;
  const readShort = (): string | null => {
    if (at >= bytes.length) return null;
    const len = bytes[at]!;
    const end = at + 1 + len;
    if (end > bytes.length) return null;
    try {
      const text = fromUtf8.decode(bytes.subarray(at + 1, end));
      at = end;
      return text;
    } catch {
      return null;
    }
  };
  const campaignId = readShort();
  const contact = readShort();
  const messageId = readShort();
  if (!campaignId || !contact || messageId === null) return null;
  const payload: TokenPayload = { kind, campaignId, contact };
  if (messageId) payload.messageId = messageId;
  if (kind === "click") {
    if (at + 4 > bytes.length) return null;
    payload.linkIndex = (bytes[at]! << 8) | bytes[at + 1]!;
    const len = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    at += 4;
    if (at + len > bytes.length) return null;
    try {
      payload.url = fromUtf8.decode(bytes.subarray(at, at + len));
    } catch {
      return null;
    }
    at += len;
  }
  return at === bytes.length ? { keyId: bytes[1]!, payload } : null;
}

export async function signToken(payload: TokenPayload, ring: KeyRing): Promise<string> {
  const body = encodePayload(payload, ring.signingKeyId);
  const key = ring.keys.get(ring.signingKeyId)!;
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const token = new Uint8Array(body.length + TAG_BYTES);
  token.set(body);
  token.set(tag, body.length);
  return encodeBase64Url(token);
}

export async function verifyToken(token: string, ring: KeyRing): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "malformed" };
  const bytes = decodeBase64Url(token);
  if (!bytes || bytes.length < 3 + 3 + TAG_BYTES) return { ok: false, reason: "malformed" };
  if (bytes[0] !== TOKEN_VERSION) return { ok: false, reason: "unknown_version" };
  const key = ring.keys.get(bytes[1]!);
  if (!key) return { ok: false, reason: "unknown_key" };
  const body = bytes.subarray(0, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  // The MAC is checked before the payload is parsed: nothing unauthenticated is interpreted.
  const valid = await crypto.subtle.verify("HMAC", key, tag, body);
  if (valid !== true) return { ok: false, reason: "bad_signature" };
  const decoded = decodePayload(body);
  if (!decoded) return { ok: false, reason: "malformed" };
  // Defence in depth: even a correctly signed token only ever leads to an http(s) URL.
  if (decoded.payload.kind === "click" && normalizeDestination(decoded.payload.url ?? "") !== decoded.payload.url) {
    return { ok: false, reason: "bad_destination" };
  }
  return { ok: true, payload: decoded.payload, keyId: decoded.keyId };
}
