// Dashboard sessions: a Hono signed cookie holding the session's times, keyed by API_TOKEN so rotating it ends them all.
//
// The cookie's value is `v1.<issued>.<expires>.<nonce>`, times in seconds since the epoch and a random nonce, signed
// by hono/cookie (setSignedCookie: HMAC-SHA256, the tag appended after a dot). The HMAC key is derived from API_TOKEN
// with HKDF (never the token itself, which must not be usable to forge anything but itself), so whoever can sign in
// can mint sessions and nobody else. Nothing is stored server-side: a session ends when it expires, when the browser
// drops the cookie (sign-out), or for every browser at once when API_TOKEN changes. Signed cookies rather than
// hono/jwt: jwt's exp and iat checks read Date.now() with no skew allowed for another isolate's clock, and a JWT's
// header and algorithm choice add nothing to a value only this worker mints and reads.

import { deriveBits } from "../lib/key-derivation";
import type { Context } from "hono";
import { deleteCookie, generateSignedCookie, getCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { parseSigned } from "hono/utils/cookie";
import { encodeBase64Url } from "../lib/base64url";
import { PromiseCache } from "../lib/promise-cache";

/** How long a session lasts after sign-in, in seconds: a working day; then the token is asked for again. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/** Tolerated clock difference for a session issued "in the future" (isolates' clocks are close, not equal). */
const SKEW_SECONDS = 60;
const VERSION = "v1";

/** Sent as `__Host-mt_session`: Secure, Path=/, no Domain, so no other host or path can set or shadow it. */
const COOKIE = "mt_session";
const COOKIE_NAME = `__Host-${COOKIE}`;
const ATTRIBUTES = { prefix: "host", path: "/", secure: true, httpOnly: true, sameSite: "Strict" } as const satisfies CookieOptions;

const HKDF_SALT = "mail-tracker dashboard session";
const HKDF_INFO = `session hmac key ${VERSION}`;

// One key per API_TOKEN text, derived once per isolate; a rotated token (or a test's other token) gets its own.
const secrets = new PromiseCache<Uint8Array>(4);

/** The HMAC key's bytes (hono/cookie imports them itself), derived from API_TOKEN. */
function sessionSecret(apiToken: string): Promise<Uint8Array> {
  return secrets.get(apiToken, () => deriveBits(apiToken, HKDF_SALT, HKDF_INFO, 256));
}

export interface Session {
  issuedAt: number;
  expiresAt: number;
}

function newSession(nowMs: number): { body: string; session: Session } {
  const issuedAt = Math.floor(nowMs / 1000);
  const session = { issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS };
  const nonce = encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  return { body: `${VERSION}.${session.issuedAt}.${session.expiresAt}.${nonce}`, session };
}

const SHAPE = /^v1\.(\d{1,12})\.(\d{1,12})\.[A-Za-z0-9_-]{22}$/;

/**
 * The 32-byte tag in base64 leaves two bits of its last character unused, and atob ignores them: four spellings of one
 * tag would verify. Only the canonical one is taken, so a cookie changed in any character is refused.
 */
const CANONICAL_TAG = /\.[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** The session a verified cookie body holds, or null when it is missing, forged (false), malformed or expired. */
function sessionOf(body: string | false | undefined, nowMs: number): Session | null {
  const match = body ? SHAPE.exec(body) : null;
  if (!match) return null;
  const session = { issuedAt: Number(match[1]), expiresAt: Number(match[2]) };
  const now = nowMs / 1000;
  if (session.expiresAt <= now || session.issuedAt > now + SKEW_SECONDS || session.expiresAt - session.issuedAt > SESSION_TTL_SECONDS) return null;
  return session;
}

/** Signs the browser in: a new session cookie. */
export async function startSession(c: Context, apiToken: string, nowMs = Date.now()): Promise<void> {
  await setSignedCookie(c, COOKIE, newSession(nowMs).body, await sessionSecret(apiToken), { ...ATTRIBUTES, maxAge: SESSION_TTL_SECONDS });
}

/** Signs the browser out: the cookie cleared with the attributes it was set with. */
export function endSession(c: Context): void {
  deleteCookie(c, COOKIE, ATTRIBUTES);
}

/** The request's session, or null; the tag is checked (crypto.subtle.verify, constant time) before the times are read. */
export async function requestSession(c: Context, apiToken: string, nowMs = Date.now()): Promise<Session | null> {
  if (!CANONICAL_TAG.test(getCookie(c, COOKIE, ATTRIBUTES.prefix) ?? "")) return null;
  return sessionOf(await getSignedCookie(c, await sessionSecret(apiToken), COOKIE, ATTRIBUTES.prefix), nowMs);
}

/** A session cookie's value as a browser sends it back, minted away from a request (tests forge and expire them). */
export async function mintSession(apiToken: string, nowMs = Date.now()): Promise<{ value: string; session: Session }> {
  const { body, session } = newSession(nowMs);
  const cookie = await generateSignedCookie(COOKIE, body, await sessionSecret(apiToken), { ...ATTRIBUTES, maxAge: SESSION_TTL_SECONDS });
  return { value: cookie.slice(COOKIE_NAME.length + 1, cookie.indexOf(";")), session };
}

/** The session a cookie value holds, read as requestSession reads the Cookie header. */
export async function verifySession(apiToken: string, value: string | undefined, nowMs = Date.now()): Promise<Session | null> {
  if (!value || /[;\s]/.test(value) || !CANONICAL_TAG.test(safeDecode(value))) return null;
  return sessionOf((await parseSigned(`${COOKIE_NAME}=${value}`, await sessionSecret(apiToken), COOKIE_NAME))[COOKIE_NAME], nowMs);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return "";
  }
}
