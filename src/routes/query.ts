// Query-string schemas shared by the reporting routes: instants, page sizes and opaque cursors.

import * as v from "valibot";
import { AppError } from "../errors";
import { decodeBase64Url, encodeBase64Url } from "../tracking/base64url";
import { validateWith } from "./body";

/** Epoch milliseconds, or an ISO 8601 date or date-time (UTC unless it names an offset). */
export const Instant = v.pipe(
  v.string(),
  v.regex(/^(\d{1,15}|\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, "must be epoch milliseconds or an ISO 8601 date"),
  v.transform((s) => (/^\d+$/.test(s) ? Number(s) : Date.parse(/T| /.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s + "Z" : s))),
  v.check((n) => Number.isFinite(n), "must be a real date"),
);

export function pageLimit(fallback: number, max: number) {
  return v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,6}$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(max)),
    String(fallback),
  );
}

const utf8 = new TextEncoder();

/** Cursors are opaque to clients: base64url of JSON, validated again when they come back. */
export function encodeCursor(value: unknown): string {
  return encodeBase64Url(utf8.encode(JSON.stringify(value)));
}

export function decodeCursor<S extends v.GenericSchema>(schema: S, text: string | undefined): v.InferOutput<S> | null {
  if (text === undefined || text === "") return null;
  const bytes = text.length <= 2048 ? decodeBase64Url(text) : null;
  let data: unknown;
  try {
    data = bytes && JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    data = null;
  }
  if (data === null) throw new AppError("validation_failed", "cursor: not a cursor this API gave out");
  try {
    return validateWith(schema, data);
  } catch {
    throw new AppError("validation_failed", "cursor: not a cursor this API gave out");
  }
}
