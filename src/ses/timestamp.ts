// SES timestamps: ISO 8601 as documented, and the other spellings older identity notifications carry.

const ISO_LIKE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch; null when the text is not a date. A zone-less time is UTC, as SES means it. */
export function parseSesTimestamp(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const trimmed = text.trim();
  const m = ISO_LIKE.exec(trimmed);
  if (m) {
    const [, date, time, zone] = m;
    let offset = "Z";
    if (zone && zone.toUpperCase() !== "Z") offset = zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const ms = Date.parse(`${date}T${time}${offset}`);
    return Number.isFinite(ms) ? ms : null;
  }
  // RFC 2822 dates ("Wed, 27 Jan 2016 14:05:45 +0000") and the like.
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : null;
}
