// How many dashboard sign-in attempts a client network gets: a bound on guessing the API token, shared by every isolate.

import { claimAttempt, releaseAttempt, type AttemptClaim } from "../db/sign-in-attempts";
import type { Db } from "../db/client";
import { ipNetwork } from "../domain/ip";

/** Wrong tokens a network (IPv4 /24, IPv6 /48) may try per window; a person mistyping gets far fewer wrong. */
export const SIGN_IN_ATTEMPTS = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

export type SignInGate = { ok: true; claim: AttemptClaim; network: string } | { ok: false; retryAfterSeconds: number };

/**
 * The network a sign-in comes from: Cloudflare's CF-Connecting-IP, truncated as stored addresses are (one host of a
 * /24 or a /48 stands for its neighbours, who could otherwise each guess). Without it (a local run): one bucket.
 */
export function signInNetwork(connectingIp: string | undefined): string {
  return ipNetwork(connectingIp) ?? "unknown";
}

/**
 * Claim an attempt before the token is compared. Past the limit the attempt is refused unread, a right token too (or
 * the limit would not bound guessing), until the window that began with the network's first attempt ends.
 */
export async function admitSignIn(db: Db, network: string, now = Date.now()): Promise<SignInGate> {
  const claim = await claimAttempt(db, network, now, SIGN_IN_WINDOW_MS);
  if (claim.attempts <= SIGN_IN_ATTEMPTS) return { ok: true, claim, network };
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((claim.windowStart + SIGN_IN_WINDOW_MS - now) / 1000)) };
}

/** The token was right: the attempt does not count. */
export function signedInWith(db: Db, gate: Extract<SignInGate, { ok: true }>): Promise<void> {
  return releaseAttempt(db, gate.network, gate.claim);
}
