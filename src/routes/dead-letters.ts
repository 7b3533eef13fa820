// /api/dead-letters: what the queues could not store, page by page, and replaying it through the pipeline.

import { Hono } from "hono";
import * as v from "valibot";
import { database } from "../db/client";
import { listDeadLetters, type DeadLetterRow } from "../db/dead-letters";
import { DEAD_LETTER_STATUSES } from "../db/schema";
import { jsonObject } from "../domain/schemas";
import { replayDeadLettersById, replayPendingDeadLetters } from "../pipeline/replay";
import { JSON_LIMIT, limitBody } from "./body";
import { DeadLetter, page, ReplayReport } from "../domain/api-contract";
import { BODY, doc, INPUT } from "./describe";
import { json, query } from "./validate";
import { decodeCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

const ListQuery = v.object({ ...PageQuery.entries, status: v.optional(v.picklist(DEAD_LETTER_STATUSES, "must be pending, replayed or held")) });
const ReceivedCursor = v.object({ at: v.number(), id: v.string() });
const ReplayRequest = jsonObject({
  ids: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))), v.minLength(1), v.maxLength(100))),
});

/** Without ids a replay takes up to this many pending rows (the rest: call again, or the scheduled run). */
const REPLAY_PAGES = { pages: 5, pageSize: 100 };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function deadLetterJson(row: DeadLetterRow) {
  return {
    id: row.messageId,
    queue: row.queue,
    status: row.status,
    reason: row.reason,
    attempts: row.attempts,
    enqueuedAt: iso(row.enqueuedAt),
    receivedAt: iso(row.receivedAt),
    replayedAt: iso(row.replayedAt),
    replayAttempts: row.replayAttempts,
    lastError: row.lastError,
    body: row.body,
  };
}

export const deadLettersApi = new Hono<AppEnv>();

deadLettersApi.get(
  "/",
  doc({ tag: "Dead letters", summary: "What the queues could not store, newest first", ok: { schema: page(DeadLetter) }, errors: INPUT }),
  query(ListQuery),
  async (c) => {
    const query = c.req.valid("query");
    const after = decodeCursor(query.cursor, ReceivedCursor);
    const result = await readPage(
      query.limit,
      (rows) => listDeadLetters(database(c.env.DB), query.status, after, rows),
      (last) => ({ at: last.receivedAt, id: last.messageId }),
    );
    return c.json({ items: result.items.map(deadLetterJson), cursor: result.cursor });
  },
);

/** `{ ids }` replays those rows; no body (or `{}`) replays pending ones, oldest and least-tried first. */
deadLettersApi.post(
  "/replay",
  doc({
    tag: "Dead letters",
    summary: "Replay dead letters through the pipeline: those named, or the pending ones",
    ok: { schema: ReplayReport, description: "`pending` only when no ids were named: pending rows still left" },
    errors: BODY,
  }),
  limitBody(JSON_LIMIT),
  json(ReplayRequest, { optional: true }),
  async (c) => {
    const body = c.req.valid("json");
    if (body.ids) {
      const report = await replayDeadLettersById(c.env, body.ids);
      return c.json(report);
    }
    return c.json(await replayPendingDeadLetters(c.env, REPLAY_PAGES));
  },
);
