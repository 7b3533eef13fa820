// Suppression vocabulary and the pure rules for reading a suppression's state.

/** `sunset`: no human open or click over enough sends (POST /api/segments/sunset), suppressed on the operator's word. */
export const SUPPRESSION_REASONS = ["hard_bounce", "complaint", "soft_bounce", "unsubscribe", "manual", "sunset"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  since: number;
  expiresAt: number | null;
  eventId: string | null;
}

/** A soft-bounce suppression stops applying once it expires; the others never do. */
export function isActive(s: Pick<Suppression, "expiresAt">, now: number): boolean {
  return s.expiresAt === null || s.expiresAt > now;
}

/** The API's JSON shape (a contract): times as ISO 8601. */
export function suppressionJson(s: Suppression) {
  return {
    email: s.email,
    reason: s.reason,
    since: new Date(s.since).toISOString(),
    expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt).toISOString(),
    eventId: s.eventId,
  };
}
