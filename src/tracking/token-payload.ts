// What a tracking token carries, whatever its version: kinds, the destination gate, and the byte fields both versions use.

import { MAX_URL_BYTES, normalizeDestination } from "../domain/destination";
import type { Failure } from "../domain/result";

export type TokenKind = "open" | "click" | "unsubscribe";

export const KIND_CODES: Record<TokenKind, number> = { open: 1, click: 2, unsubscribe: 3 };
export const KINDS_BY_CODE: Record<number, TokenKind> = { 1: "open", 2: "click", 3: "unsubscribe" };

/** campaignId, contact and messageId are each at most this many UTF-8 bytes (one length byte). */
export const MAX_SHORT_BYTES = 255;

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

export type VerifyFailure = "malformed" | "unknown_version" | "unknown_key" | "bad_signature" | "bad_destination";

export type VerifyResult = { ok: true; payload: TokenPayload; keyId: number; version: number } | Failure<VerifyFailure>;

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

/** A click's destination in the form that is sealed or signed; throws TokenError when it may not be one. */
export function clickDestination(payload: Pick<TokenPayload, "url" | "linkIndex">): { url: string; linkIndex: number } {
  const url = payload.url === undefined ? null : normalizeDestination(payload.url);
  if (url === null) throw new TokenError("a click token needs an absolute http(s) URL");
  // Encoded only when it could be too long: UTF-8 takes at most three bytes per UTF-16 code unit.
  if (url.length > MAX_URL_BYTES / 3 && utf8.encode(url).length > MAX_URL_BYTES) throw new TokenError(`url is longer than ${MAX_URL_BYTES} bytes`);
  const linkIndex = payload.linkIndex ?? 0;
  if (!Number.isInteger(linkIndex) || linkIndex < 0 || linkIndex > 0xffff) throw new TokenError("linkIndex is out of range");
  return { url, linkIndex };
}

/** Defence in depth after decoding: even an authentic click token only ever leads to an http(s) URL in normal form. */
export function destinationIsSafe(payload: TokenPayload): boolean {
  return payload.kind !== "click" || (payload.url !== undefined && normalizeDestination(payload.url) === payload.url);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Appends bytes; the short text fields are one length byte and their UTF-8. Written straight into one growing
 * buffer with `encodeInto`: minting a token is on the path of every link of every message sent, and collecting
 * numbers in an array (spread argument lists, then a copy) cost nearly as much as the cryptography.
 */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private at = 0;

  /** Makes room for `n` more bytes. */
  private room(n: number): Uint8Array<ArrayBuffer> {
    if (this.at + n > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + n));
      grown.set(this.buffer.subarray(0, this.at));
      this.buffer = grown;
    }
    return this.buffer;
  }

  push(...values: number[]): this {
    this.room(values.length).set(values, this.at);
    this.at += values.length;
    return this;
  }

  short(text: string, field: string): this {
    // UTF-8 takes at most three bytes per UTF-16 code unit, so the encoding always fits whole.
    const { written } = utf8.encodeInto(text, this.room(1 + 3 * text.length).subarray(this.at + 1));
    if (written > MAX_SHORT_BYTES) throw new TokenError(`${field} is longer than ${MAX_SHORT_BYTES} bytes`);
    this.buffer[this.at] = written;
    this.at += 1 + written;
    return this;
  }

  text(text: string): this {
    this.at += utf8.encodeInto(text, this.room(3 * text.length).subarray(this.at)).written;
    return this;
  }

  /** The bytes written so far (a view: nothing is written after finishing). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buffer.subarray(0, this.at);
  }
}

/** Reads fields in order; every read returns null instead of running past the end or accepting bad UTF-8. */
export class ByteReader {
  constructor(
    private readonly bytes: Uint8Array,
    private at = 0,
  ) {}

  get done(): boolean {
    return this.at === this.bytes.length;
  }

  u8(): number | null {
    return this.at < this.bytes.length ? this.bytes[this.at++]! : null;
  }

  u16(): number | null {
    if (this.at + 2 > this.bytes.length) return null;
    const value = (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]!;
    this.at += 2;
    return value;
  }

  /** `length` bytes as UTF-8 text. */
  text(length: number): string | null {
    const end = this.at + length;
    if (end > this.bytes.length) return null;
    try {
      const text = fromUtf8.decode(this.bytes.subarray(this.at, end));
      this.at = end;
      return text;
    } catch {
      return null;
    }
  }

  /** The fields every kind carries: null when campaign or contact is empty or any field is malformed. */
  common(kind: TokenKind): TokenPayload | null {
    const campaignId = this.short();
    const contact = this.short();
    const messageId = this.short();
    if (!campaignId || !contact || messageId === null) return null;
    return messageId ? { kind, campaignId, contact, messageId } : { kind, campaignId, contact };
  }

  short(): string | null {
    const length = this.u8();
    return length === null ? null : this.text(length);
  }

  /** Everything left, as UTF-8 text. */
  rest(): string | null {
    return this.text(this.bytes.length - this.at);
  }
}
