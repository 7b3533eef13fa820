// Typed configuration read from wrangler vars, with the documented defaults.

import type { SignatureVersion } from "./sns/verify";

export interface SuppressionConfig {
  /** Soft bounces in a row (no delivery between) that suppress an address. */
  softBounceLimit: number;
  /** How long a soft-bounce suppression lasts, in milliseconds. */
  softBounceTtlMs: number;
  /** Mirror hard bounces and complaints to the SES account-level suppression list. */
  syncToSes: boolean;
}

const DAY_MS = 86_400_000;

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function suppressionConfig(env: Env): SuppressionConfig {
  return {
    softBounceLimit: positiveInt(env.SOFT_BOUNCE_LIMIT, 5),
    softBounceTtlMs: positiveInt(env.SOFT_BOUNCE_SUPPRESSION_DAYS, 30) * DAY_MS,
    syncToSes: env.SES_SYNC_SUPPRESSIONS === "true",
  };
}

/**
 * SNS_SIGNATURE_VERSION: "2" accepts only SHA256withRSA signatures (the topic's SignatureVersion attribute must be 2);
 * empty, unset or "1" accepts both. Any other value is read as "2", the stricter choice.
 */
export function snsSignatureVersions(env: Env): ReadonlySet<SignatureVersion> {
  const value = (env.SNS_SIGNATURE_VERSION ?? "").trim();
  return new Set(value === "" || value === "1" ? ["1", "2"] : ["2"]);
}

export interface MachineConfig {
  /** How long a click waits for the clicks around it before its burst or honeypot verdict is settled (ms). */
  settleMs: number;
  /** Rows Apple's relay egress file must hold, at least, for a refresh to replace the stored list. */
  minRelayRows: number;
}

/**
 * MACHINE_SETTLE_SECONDS (default 60: Preside's and the patent's stall) and NETWORK_LISTS_MIN_RELAY_ROWS (default
 * 100,000: Apple's file has about 290,000; a shorter one is a truncated download).
 */
export function machineConfig(env: Env): MachineConfig {
  return {
    settleMs: positiveInt(env.MACHINE_SETTLE_SECONDS, 60) * 1000,
    minRelayRows: positiveInt(env.NETWORK_LISTS_MIN_RELAY_ROWS, 100_000),
  };
}
