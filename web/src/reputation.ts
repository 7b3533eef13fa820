// A campaign's bounce and complaint rates against the rates at which Amazon SES reviews, then pauses, an account.
//
// SES puts an account under review at a bounce rate of 5% and a complaint rate of 0.1%, and may pause its sending at
// 10% and 0.5% (SES developer guide, "Sending review process FAQs"). SES counts hard bounces only, over messages
// sent; complaints are over delivered messages here, as the API's `rates.complaint`.

export type Level = "ok" | "review" | "pause";

export interface RateCheck {
  metric: "bounce" | "complaint";
  /** A fraction, 4 decimals, like the API's rates. */
  rate: number;
  review: number;
  pause: number;
  level: Level;
  /** What the rate is counted over: sent (bounces) or delivered (complaints). */
  over: number;
}

export const SES_THRESHOLDS = {
  bounce: { review: 0.05, pause: 0.1 },
  complaint: { review: 0.001, pause: 0.005 },
} as const;

/** The API's rounding: a fraction with 4 decimals, 0 when there is nothing to divide by. */
export function rateOf(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0;
}

function check(metric: RateCheck["metric"], rate: number, over: number): RateCheck {
  const { review, pause } = SES_THRESHOLDS[metric];
  const level: Level = rate >= pause ? "pause" : rate >= review ? "review" : "ok";
  return { metric, rate, review, pause, level, over };
}

export interface ReputationInput {
  sent: number;
  delivered: number;
  bounces: { hard: number };
  rates: { complaint: number };
}

export function reputation(stats: ReputationInput): { bounce: RateCheck; complaint: RateCheck } {
  return {
    bounce: check("bounce", rateOf(stats.bounces.hard, stats.sent), stats.sent),
    complaint: check("complaint", stats.rates.complaint, stats.delivered),
  };
}

/** True when either rate is at or past the review threshold. */
export function needsAttention(stats: ReputationInput): boolean {
  const r = reputation(stats);
  return r.bounce.level !== "ok" || r.complaint.level !== "ok";
}
