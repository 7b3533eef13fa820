// Standard Webhooks signing: endpoint secrets, and the headers every attempt carries (via the standardwebhooks package).

import { Webhook } from "standardwebhooks";

/** 32 random bytes: the specification asks for at least 24. */
const SECRET_BYTES = 32;

/** A new signing secret as the specification serialises it: `whsec_` and the base64 of random bytes. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `whsec_${btoa(binary)}`;
}

export interface SigningSecrets {
  current: string;
  /** The secret before the last rotation, still signing until `previousExpiresAt`. */
  previous: string | null;
  previousExpiresAt: number | null;
}

/** The secrets that sign at `now`: the current one first, then the previous one during its overlap. */
export function activeSecrets(s: SigningSecrets, now: number): string[] {
  return s.previous && s.previousExpiresAt !== null && s.previousExpiresAt > now ? [s.current, s.previous] : [s.current];
}

/**
 * `webhook-id`, `webhook-timestamp` (seconds, of this attempt) and `webhook-signature`: one `v1,<base64>` per active
 * secret, space-separated, so a receiver holding either secret verifies during a rotation.
 */
export function signedHeaders(id: string, now: number, body: string, secrets: readonly string[]): Record<string, string> {
  const at = new Date(Math.floor(now / 1000) * 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(id, at, body)).join(" "),
  };
}
