// /api/archive: the Parquet archive in R2, listed page by page, downloaded one object at a time, flushed on demand.

import { Hono } from "hono";
import * as v from "valibot";
import { ARCHIVE_PREFIX, keyDate } from "../archive/keys";
import { flushArchive } from "../archive/writer";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";
import { ArchiveObject, FlushReport, page } from "../domain/api-contract";
import { doc, INPUT } from "./describe";
import { params, query } from "./validate";
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
const KeyParam = v.object({
  key: v.pipe(
    v.string(),
    v.check((k) => keyDate(k) !== null, "must be an archive key as GET /api/archive lists it (events/date=YYYY-MM-DD/<name>.parquet)"),
  ),
});
const KeyCursor = v.object({ after: v.pipe(v.string(), v.startsWith(ARCHIVE_PREFIX)) });

export const archiveApi = new Hono<AppEnv>();

/** `{ items: [{ key, size, events }], cursor }`: keys in order (dates oldest first), `events` as written with the file. */
archiveApi.get(
  "/",
  doc({
    tag: "Archive",
    summary: "The Parquet archive's objects, keys in order (dates oldest first)",
    ok: { schema: page(ArchiveObject) },
    errors: INPUT,
  }),
  query(ListQuery),
  async (c) => {
    const query = c.req.valid("query");
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
  },
);

/** Writes every settled event now (in bounded runs: `more` says to call again) and answers what it wrote. */
archiveApi.post("/flush", doc({ tag: "Archive", summary: "Write every settled event to the archive now", ok: { schema: FlushReport } }), async (c) =>
  c.json(await flushArchive(c.env, "all")),
);

/** One object, by its key as listed (slashes kept). */
archiveApi.get(
  "/:key{.+}",
  doc({
    tag: "Archive",
    summary: "Download one archive object by its key as listed (slashes kept)",
    ok: { status: 200, binary: "application/vnd.apache.parquet", description: "the Parquet file; X-Archive-Events: its events" },
    errors: [...INPUT, "not_found"],
  }),
  params(KeyParam),
  async (c) => {
    const { key } = c.req.valid("param");
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
  },
);
