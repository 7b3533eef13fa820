// Cursor pagination for list endpoints: opaque base64url cursors and a bounded page size.

import * as v from "valibot";
import { AppError } from "../errors";
import { decodeBase64Url, encodeBase64Url } from "../tracking/base64url";

export const PageQuery = v.object({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,4}$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(500)),
    "50",
  ),
});

/** The cursor of event lists: keyset on (occurred_at, id), newest first. */
export const EventCursor = v.object({ at: v.number(), id: v.string() });

export function encodeCursor(value: unknown): string {
  return encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

/** A cursor this API did not hand out is a client mistake: 400, not a crash. */
export function decodeCursor<S extends v.GenericSchema>(cursor: string | undefined, schema: S): v.InferOutput<S> | null {
  if (cursor === undefined || cursor === "") return null;
  const bytes = decodeBase64Url(cursor);
  try {
    if (!bytes) throw new Error("not base64url");
    return v.parse(schema, JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    throw new AppError("validation_failed", "cursor: not a cursor this API handed out");
  }
}

/** Fetch one row more than asked: its presence says whether there is a next page. */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => unknown): { items: T[]; cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, cursor: rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1]!)) : null };
}
