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

export interface PrivacyConfig {
  /** STORE_FULL_IP = "true": keep whole client addresses; otherwise only their network (IPv4 /24, IPv6 /48). */
  storeFullIp: boolean;
  /** RETENTION_DAYS (default 395): events, dead letters, processed SNS ids, deliveries and send jobs stored longer ago are deleted. */
  retentionDays: number;
}

export function privacyConfig(env: Env): PrivacyConfig {
  return {
    storeFullIp: env.STORE_FULL_IP === "true",
    retentionDays: positiveInt(env.RETENTION_DAYS, 395),
  };
}
