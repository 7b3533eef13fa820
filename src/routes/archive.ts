// /api/archive: the Parquet archive in R2, listed page by page, downloaded one object at a time, flushed on demand.

import { Hono } from "hono";
import * as v from "valibot";
import { ARCHIVE_PREFIX, keyDate } from "../archive/keys";
import { flushArchive } from "../archive/writer";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";
import { validateWith } from "./body";
import { decodeCursor, encodeCursor, pageLimit } from "./pagination";

const ListQuery = v.object({
  prefix: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(512, "must be at most 512 characters"),
      v.check((p) => p === "" || p.startsWith(ARCHIVE_PREFIX) || ARCHIVE_PREFIX.startsWith(p), `must start with ${ARCHIVE_PREFIX}`),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048, "is not a cursor this API handed out"))),
  limit: pageLimit(100, 1000),
});
const KeyCursor = v.object({ after: v.pipe(v.string(), v.startsWith(ARCHIVE_PREFIX)) });

export const archiveApi = new Hono<AppEnv>();

/** `{ items: [{ key, size, events }], cursor }`: keys in order (dates oldest first), `events` as written with the file. */
archiveApi.get("/", async (c) => {
  const query = validateWith(ListQuery, c.req.query());
  const prefix = query.prefix && query.prefix.length > ARCHIVE_PREFIX.length ? query.prefix : ARCHIVE_PREFIX;
  const after = decodeCursor(query.cursor, KeyCursor);
  const list = await c.env.ARCHIVE.list({
    prefix,
    limit: query.limit,
    include: ["customMetadata"],
    ...(after ? { startAfter: after.after } : {}),
  });
  const items = list.objects.map((o) => ({ key: o.key, size: o.size, events: o.customMetadata?.events ? Number(o.customMetadata.events) : null }));
  const last = items[items.length - 1];
  return c.json({ items, cursor: list.truncated && last ? encodeCursor({ after: last.key }) : null });
});

/** Writes every settled event now (in bounded runs: `more` says to call again) and answers what it wrote. */
archiveApi.post("/flush", async (c) => c.json(await flushArchive(c.env, "all")));

/** One object, by its key as listed (slashes kept). */
archiveApi.get("/:key{.+}", async (c) => {
  const key = c.req.param("key");
  if (keyDate(key) === null)
    throw new AppError("validation_failed", "key: must be an archive key as GET /api/archive lists it (events/date=YYYY-MM-DD/<name>.parquet)");
  const object = await c.env.ARCHIVE.get(key);
  if (!object) throw new AppError("not_found", `no archive object ${key}`);
  return new Response(object.body, {
    headers: {
      "content-type": "application/vnd.apache.parquet",
      "content-length": String(object.size),
      etag: object.httpEtag,
      "x-archive-events": object.customMetadata?.events ?? "",
    },
  });
});
