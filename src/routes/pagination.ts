// Cursor pagination, one contract for every list: `limit` and `cursor` in, `{ items, cursor }` out, a limit+1 read.

import * as v from "valibot";
import { AppError } from "../lib/errors";
import { decodeBase64Url, encodeBase64Url } from "../lib/base64url";

/** The `limit` of every list (and of the top-N reports): a whole number from 1 to `max`, `fallback` when absent. */
export function pageLimit(fallback: number, max: number) {
  return v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,6}$/, "must be a whole number"),
      v.transform(Number),
      v.minValue(1, `must be from 1 to ${max}`),
      v.maxValue(max, `must be from 1 to ${max}`),
    ),
    String(fallback),
  );
}

/** A list's query: an opaque cursor and a limit (1–500, 50 unless a route's contract says otherwise). */
export function pageQuery(fallback = 50, max = 500) {
  return v.object({
    cursor: v.optional(v.pipe(v.string(), v.maxLength(1024, "is not a cursor this API handed out"))),
    limit: pageLimit(fallback, max),
  });
}

export const PageQuery = pageQuery();

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

/** One page of a list; `cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/**
 * Read one row more than asked (`read` gets the number of rows to fetch): its presence says whether there is a next
 * page, so the last page has a null cursor rather than leading to an empty one.
 */
export async function readPage<T>(limit: number, read: (rows: number) => Promise<T[]>, cursorOf: (last: T) => unknown): Promise<Page<T>> {
  const rows = await read(limit + 1);
  const items = rows.slice(0, limit);
  return { items, cursor: rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1]!)) : null };
}
