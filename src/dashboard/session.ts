// Dashboard sessions: a signed, expiring value kept in a cookie, keyed by API_TOKEN so rotating the token ends them all.
//
// The value is `v1.<issued>.<expires>.<nonce>.<tag>`: times in seconds since the epoch, a random nonce, and an
// HMAC-SHA256 tag over everything before it. The HMAC key is derived from API_TOKEN with HKDF (never the token itself,
// which must not be usable to forge anything but itself), so whoever can sign in can mint sessions and nobody else.
// Nothing is stored server-side: a session ends when it expires, when the browser drops the cookie (sign-out), or
// for every browser at once when API_TOKEN changes.

import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";

/** How long a session lasts after sign-in, in seconds: a working day; then the token is asked for again. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/** Tolerated clock difference for a session issued "in the future" (isolates' clocks are close, not equal). */
const SKEW_SECONDS = 60;
const VERSION = "v1";

const utf8 = new TextEncoder();
const HKDF_SALT = utf8.encode("mail-tracker dashboard session");
const HKDF_INFO = utf8.encode(`session hmac key ${VERSION}`);

// One key per API_TOKEN text, derived once per isolate; a rotated token (or a test's other token) gets its own.
const keys = new Map<string, Promise<CryptoKey>>();

function sessionKey(apiToken: string): Promise<CryptoKey> {
  let key = keys.get(apiToken);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", utf8.encode(apiToken), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: HKDF_INFO },
          material,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign", "verify"],
        ),
      );
    if (keys.size > 4) keys.clear();
    keys.set(apiToken, key);
  }
  return key;
}

export interface Session {
  issuedAt: number;
  expiresAt: number;
}

/** A new session value, valid for SESSION_TTL_SECONDS from `nowMs`. */
export async function mintSession(apiToken: string, nowMs = Date.now()): Promise<{ value: string; session: Session }> {
  const issuedAt = Math.floor(nowMs / 1000);
  const session = { issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS };
  const body = `${VERSION}.${session.issuedAt}.${session.expiresAt}.${encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)))}`;
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", await sessionKey(apiToken), utf8.encode(body)));
  return { value: `${body}.${encodeBase64Url(tag)}`, session };
}

const SHAPE = /^v1\.(\d{1,12})\.(\d{1,12})\.[A-Za-z0-9_-]{22}\.([A-Za-z0-9_-]{43})$/;

/**
 * The session a cookie value holds, or null when it is malformed, signed with another key (forged, or from before
 * API_TOKEN changed) or expired. The tag is checked with crypto.subtle.verify (constant time) before the times are read.
 */
export async function verifySession(apiToken: string, value: string | undefined, nowMs = Date.now()): Promise<Session | null> {
  if (!value) return null;
  const match = SHAPE.exec(value);
  if (!match) return null;
  const tag = decodeBase64Url(match[3]!);
  if (!tag) return null;
  const body = value.slice(0, value.lastIndexOf("."));
  if (!(await crypto.subtle.verify("HMAC", await sessionKey(apiToken), tag, utf8.encode(body)))) return null;
  const session = { issuedAt: Number(match[1]), expiresAt: Number(match[2]) };
  const now = nowMs / 1000;
  if (session.expiresAt <= now || session.issuedAt > now + SKEW_SECONDS || session.expiresAt - session.issuedAt > SESSION_TTL_SECONDS) return null;
  return session;
}
