// Shared validation schemas (valibot) for identifiers that appear in URLs, tokens, the API and queue messages.

import * as v from "valibot";
import { MAX_EMAIL_LENGTH } from "./email";
import { MAX_URL_BYTES, normalizeDestination } from "./destination";
import { fail, ok, type Result } from "./result";

/** A validation's outcome: the value, or the first problem as "path: message" (the API's and the dead letters' words). */
export type Checked<T> = Result<T>;

export function checkWith<S extends v.GenericSchema>(schema: S, data: unknown): Checked<v.InferOutput<S>> {
  const result = v.safeParse(schema, data);
  if (result.success) return ok(result.output);
  return fail(issueReason(result.issues));
}

/** The first issue as "path: message"; `skip` leaves out that many leading path keys (a lone path parameter's name). */
export function issueReason(issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]], skip = 0): string {
  const issue = issues[0];
  const path = issue.path
    ?.slice(skip)
    .map((p) => String(p.key))
    .join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

const isJsonObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * An object in a request body. valibot's v.object takes any `typeof "object"` but null, arrays included, so `[{"ids":
 * ["x"]}]` passed as `{}` (every field left out). Every object a request body holds is built with this, the body's own
 * and those nested in it: anything else (an array, a string, a number, null) is refused by name.
 */
export function jsonObject<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(v.custom<Record<string, unknown>>(isJsonObject, "must be a JSON object"), v.object(entries));
}

/** Campaign ids appear in API paths and tokens: short, URL-safe. */
export const CampaignId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 characters of letters, digits, '.', '_' or '-'"),
);

// The HTML spec's address grammar (valibot rfcEmail): accepts real addresses like o'brien@example.com that stricter
// patterns refuse.
export const Email = v.pipe(v.string(), v.trim(), v.maxLength(MAX_EMAIL_LENGTH), v.rfcEmail("must be an email address"));

const utf8 = new TextEncoder();

/** The destination is signed in its normalised form, which can be longer than what was given (percent-encoding). */
export const HttpUrl = v.pipe(
  v.string(),
  v.maxLength(MAX_URL_BYTES),
  v.check((u) => normalizeDestination(u) !== null, "must be an absolute http or https URL"),
  v.check((u) => utf8.encode(normalizeDestination(u) ?? "").length <= MAX_URL_BYTES, `must be at most ${MAX_URL_BYTES} bytes once normalised`),
);

/** What minting tracked links takes: the API's `POST /api/links` body and the CLI's flags. */
export const LinksRequest = jsonObject({
  campaignId: CampaignId,
  contact: Email,
  url: v.optional(HttpUrl),
});
