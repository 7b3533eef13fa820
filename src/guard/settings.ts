// The guard's thresholds from the environment (moves into src/config.ts with the configuration module).

import type { Thresholds } from "./rules";

export const DEFAULT_THRESHOLDS: Thresholds = { minSent: 500, bounceRate: 0.05, complaintRate: 0.001 };

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A rate in (0, 1]; anything else (empty, 0, negative, above 1, not a number) falls back to the default. */
function rate(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 && n <= 1 ? n : fallback;
}

export function guardThresholds(env: Partial<Pick<Env, "GUARD_MIN_SENT" | "GUARD_BOUNCE_RATE" | "GUARD_COMPLAINT_RATE">>): Thresholds {
  return {
    minSent: positiveInt(env.GUARD_MIN_SENT, DEFAULT_THRESHOLDS.minSent),
    bounceRate: rate(env.GUARD_BOUNCE_RATE, DEFAULT_THRESHOLDS.bounceRate),
    complaintRate: rate(env.GUARD_COMPLAINT_RATE, DEFAULT_THRESHOLDS.complaintRate),
  };
}
