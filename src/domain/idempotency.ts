// Idempotency-Key rules (Stripe's convention, IETF draft-ietf-httpapi-idempotency-key-header): plain data in, a verdict out.

import { hex } from "./hex";
import { fail, type Failure } from "./result";

/** How long a key and its answer are kept: a repeat within this window gets the first answer. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a request holding a key is presumed alive; a repeat meanwhile is 409. Longer than one send's SES
 * call with its throttling retries, and than enqueueing the largest campaign.
 */
export const IDEMPOTENCY_LEASE_MS = 5 * 60 * 1000;

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The header's key, or why it is not one. The draft spells it as a structured-field string (`"abc"`);
 * Stripe's clients send it bare. Both are taken, as printable ASCII of at most 255 characters.
 */
export function parseIdempotencyKey(header: string): { ok: true; key: string } | Failure {
  const trimmed = header.trim();
  const key = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return KEY.test(key) ? { ok: true, key } : fail("Idempotency-Key must be 1-255 printable ASCII characters without spaces");
}

/** JSON with object keys sorted at every depth: the same request however its client ordered or spaced it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** What a key is bound to: the method, the path and the body, hashed (SHA-256, hex). */
export async function requestFingerprint(method: string, path: string, body: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${method} ${path}\n${canonicalJson(body)}`));
  return hex(new Uint8Array(digest));
}

/** A key's stored record, as far as deciding goes. */
export interface KeyRecord {
  fingerprint: string;
  state: "in_progress" | "done";
  lockedUntil: number;
  status: number | null;
  response: string | null;
}

export type KeyVerdict =
  /** Another request was made with this key: it must not pass for this one. */
  | { kind: "mismatch" }
  /** The first request has its answer: give it again. */
  | { kind: "replay"; status: number; body: string }
  /** The first request is still running. */
  | { kind: "busy" }
  /** The first request stopped without an answer (it failed part-way or died): this one may take over. */
  | { kind: "stale"; lockedUntil: number };

/** What a repeat with an existing, unexpired key gets. */
export function judgeRepeat(record: KeyRecord, fingerprint: string, now: number): KeyVerdict {
  if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (record.state === "done" && record.status !== null && record.response !== null) {
    return { kind: "replay", status: record.status, body: record.response };
  }
  return record.lockedUntil > now ? { kind: "busy" } : { kind: "stale", lockedUntil: record.lockedUntil };
}
