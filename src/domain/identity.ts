// Who a person is, decided once: the identity key every store keys a person by, and how free text is searched for it.
//
// The rule: an address is one person whatever the letter case of any part of it. The whole address is trimmed and
// lower-cased (the domain fully, the local part's ASCII letters, exactly as SQLite's lower() does, so a migration or
// a generated column computes the same key in SQL). RFC 5321 lets a receiving server tell `Ann@x` from `ann@x`, but
// no mailbox provider does, suppression has always treated them as one, and two spellings of one person splitting
// their data (erased under one, kept under the other) is the worse error. Nothing else is folded: `ann+x@x`,
// `joann@x` and `ann@x.evil.test` are other people.
//
// Free text (URLs, idempotency keys, JSON bodies) is never searched by substring: its address-shaped tokens are
// extracted, after percent-decoding, and each is compared to the key by equality. A token is the longest run of
// address characters on either side of an `@` (or `%40`); since `=`, `&`, `?`, `/` and `#` are legal in a local part
// but also delimit URL parts, the part after the last of them is a candidate too (so `?who=ann@x` names ann@x).
// The cost, said plainly: someone whose address really is `who=ann@x` is, in free text, not told apart from ann@x.
// Quoted local parts ("a b"@x) and non-ASCII percent-encoded bytes are not recognised as addresses.

import { normalizeEmail } from "./email";

/** The one key a person is matched on in every store. */
export function identityKey(address: string): string {
  return asciiLower(normalizeEmail(address));
}

/** ASCII letters lower-cased, nothing else changed: SQLite's lower(). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** What stands in place of an erased address inside free text. */
export const REDACTED = "[erased]";

/** Characters of a local part (RFC 5322 atext and dots). */
const LOCAL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/;
/** Characters of a domain (letters, digits, dots, hyphens; non-ASCII letters of internationalised domains). */
const DOMAIN = /[\p{L}\p{N}.-]/u;
/** Characters that are legal in a local part but also delimit the parts of a URL. */
const URL_DELIMITERS = new Set(["=", "&", "?", "/", "#"]);

/** Text with ASCII percent-escapes decoded, and for each decoded character the range of raw text it came from. */
interface Decoded {
  text: string;
  start: number[];
  end: number[];
}

function decodeOnce(raw: string, start: readonly number[], end: readonly number[]): Decoded {
  let text = "";
  const s: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === "%" ? raw.slice(i + 1, i + 3) : "";
    const code = /^[0-9A-Fa-f]{2}$/.test(hex) ? Number.parseInt(hex, 16) : -1;
    if (code >= 0 && code < 0x80) {
      text += String.fromCharCode(code);
      s.push(start[i]!);
      e.push(end[i + 2]!);
      i += 2;
    } else {
      text += raw[i];
      s.push(start[i]!);
      e.push(end[i]!);
    }
  }
  return { text, start: s, end: e };
}

/** Percent-decoded twice (a URL inside a URL is encoded twice), keeping the map back to the raw text. */
function decode(raw: string): Decoded {
  const units = Array.from({ length: raw.length }, (_, i) => i);
  const once = decodeOnce(
    raw,
    units,
    units.map((i) => i + 1),
  );
  return raw.includes("%") ? decodeOnce(once.text, once.start, once.end) : once;
}

export interface AddressToken {
  /** The identity key of the token. */
  key: string;
  /** Where it is in the raw (undecoded) text: [start, end). */
  start: number;
  end: number;
}

/** Every address-shaped token of the text (with the URL-delimited candidates), as identity keys with raw positions. */
export function addressTokens(raw: string): AddressToken[] {
  if (!raw.includes("@") && !/%40|%2540/i.test(raw)) return [];
  const d = decode(raw);
  const out: AddressToken[] = [];
  for (let at = d.text.indexOf("@"); at >= 0; at = d.text.indexOf("@", at + 1)) {
    let left = at;
    while (left > 0 && LOCAL.test(d.text[left - 1]!)) left--;
    let right = at + 1;
    while (right < d.text.length && DOMAIN.test(d.text[right]!)) right++;
    // A sentence's full stop or a hyphen is not part of the domain, nor a leading dot part of the local part.
    while (right > at + 1 && /[.-]/.test(d.text[right - 1]!)) right--;
    while (left < at && d.text[left] === ".") left++;
    if (left === at || right === at + 1) continue;
    const starts = [left];
    for (let i = left; i < at; i++) if (URL_DELIMITERS.has(d.text[i]!) && i + 1 < at) starts.push(i + 1);
    for (const from of starts) {
      out.push({ key: identityKey(d.text.slice(from, right)), start: d.start[from]!, end: d.end[right - 1]! });
    }
  }
  return out;
}

/** Whether the text names the person (one of its address tokens is their key). */
export function names(text: string | null | undefined, key: string): boolean {
  return text != null && addressTokens(text).some((t) => t.key === key);
}

/** The text with every token that is the person's key replaced by REDACTED (null when it did not name them). */
export function redact(text: string, key: string): string | null {
  const spans = addressTokens(text).filter((t) => t.key === key);
  if (spans.length === 0) return null;
  spans.sort((a, b) => a.start - b.start);
  let out = "";
  let from = 0;
  for (const s of spans) {
    if (s.start < from) continue;
    out += text.slice(from, s.start) + REDACTED;
    from = s.end;
  }
  return out + text.slice(from);
}

/** The text with every address-shaped token replaced (for log lines and stored answers, which name nobody). */
export function redactAll(text: string): string {
  const spans = addressTokens(text)
    .filter((t, i, all) => all.findIndex((o) => o.end === t.end) === i)
    .sort((a, b) => a.start - b.start);
  if (spans.length === 0) return text;
  let out = "";
  let from = 0;
  for (const s of spans) {
    if (s.start < from) continue;
    out += `${text.slice(from, s.start)}[address]`;
    from = s.end;
  }
  return out + text.slice(from);
}

/**
 * A cheap superset test that SQL can run before the exact one: a row can only name the person if its lower-cased
 * text holds their local part, or holds a percent-escape (which may spell it). Returns the local part to look for.
 */
export function prefilterNeedle(key: string): string {
  return key.slice(0, key.lastIndexOf("@"));
}
