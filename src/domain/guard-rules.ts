// The reputation guard's rule, as plain functions: when sends, hard bounces and complaints call for a pause.

export interface Thresholds {
  /** Fewer sends than this say too little to act on. */
  minSent: number;
  /** Hard bounces ÷ sent at or above this pause sending. */
  bounceRate: number;
  /** Complaints ÷ sent at or above this pause sending. */
  complaintRate: number;
}

export interface Tally {
  sent: number;
  bouncesHard: number;
  complaints: number;
}

export type PauseReason = "bounce_rate" | "complaint_rate";

export interface Crossing {
  reason: PauseReason;
  tally: Tally;
  bounceRate: number;
  complaintRate: number;
}

export const ZERO_TALLY: Tally = { sent: 0, bouncesHard: 0, complaints: 0 };

/** Rates as fractions, rounded to 6 decimals for display (the decision compares exact ratios). */
const rounded = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The crossing the tally makes, or null. Both rates are checked against `sent`, as SES computes its own; the bounce
 * rate is named first when both are over.
 */
export function crossing(t: Tally, th: Thresholds): Crossing | null {
  if (t.sent <= 0 || t.sent < th.minSent) return null;
  const bounceOver = t.bouncesHard >= th.bounceRate * t.sent;
  const complaintOver = t.complaints >= th.complaintRate * t.sent;
  if (!bounceOver && !complaintOver) return null;
  return {
    reason: bounceOver ? "bounce_rate" : "complaint_rate",
    tally: { ...t },
    bounceRate: rounded(t.bouncesHard / t.sent),
    complaintRate: rounded(t.complaints / t.sent),
  };
}

export function minus(a: Tally, b: Tally): Tally {
  return { sent: a.sent - b.sent, bouncesHard: a.bouncesHard - b.bouncesHard, complaints: a.complaints - b.complaints };
}
