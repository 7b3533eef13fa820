// The one rule for where a click may lead: an absolute http(s) URL in its normal form, at most MAX_URL_BYTES.

/** A destination is at most this many UTF-8 bytes. */
export const MAX_URL_BYTES = 4096;

/**
 * The last input normalizeDestination parsed, and its answer. HTML instrumentation normalises each href, then the
 * token's gate (clickDestination) normalises the result again; for an href already in normal form, most of them, that
 * is the same input twice in a row, and the second URL parse is skipped. The answer depends on the input alone, so
 * remembering it can only ever give what parsing again would.
 */
let lastInput: string | null = null;
let lastAnswer: string | null = null;

/**
 * The one gate for destinations: only absolute http(s) URLs, in their parsed (normalised) form.
 * Returns null for anything else (javascript:, data:, relative, unparsable).
 */
export function normalizeDestination(url: string): string | null {
  if (url === lastInput) return lastAnswer;
  let answer: string | null = null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") answer = parsed.href;
  } catch {
    // Not a URL: no destination.
  }
  lastInput = url;
  lastAnswer = answer;
  return answer;
}
