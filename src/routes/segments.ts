// /api/segments: who did (or, among those sent to, did not do) an event within a window, cursor-paginated.

import { Hono } from "hono";
import * as v from "valibot";
import { database } from "../db/client";
import { segmentPage, type SegmentSpec } from "../db/segments";
import { EVENT_TYPES } from "../domain/events";
import { CampaignId } from "../domain/schemas";
import { AppError } from "../lib/errors";
import { Segment } from "../domain/api-contract";
import { doc, INPUT } from "./describe";
import { query } from "./validate";
import { decodeCursor, pageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

const DAY_MS = 86_400_000;
const EventType = v.picklist(EVENT_TYPES, `must be one of ${EVENT_TYPES.join(", ")}`);

const SegmentQuery = v.object({
  did: v.optional(EventType),
  didNot: v.optional(EventType),
  /** A window ending now: hours or days, e.g. 30d, 12h; absent for any time. */
  within: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}[hd]$/, "must be a number of hours or days, e.g. 30d or 12h"),
      v.transform((s) => Number(s.slice(0, -1)) * (s.endsWith("d") ? DAY_MS : DAY_MS / 24)),
      v.maxValue(3660 * DAY_MS, "must be at most 3660d"),
    ),
  ),
  campaignId: v.optional(CampaignId),
  ...pageQuery(100, 1000).entries,
});

const Cursor = v.object({ after: v.pipe(v.string(), v.minLength(1), v.maxLength(300)) });

export const segments = new Hono<AppEnv>();

segments.get(
  "/",
  doc({
    tag: "Segments",
    summary: "Who did (did=) or, among those sent to, did not do (didNot=) an event within a window",
    ok: { schema: Segment },
    errors: INPUT,
  }),
  query(SegmentQuery),
  async (c) => {
    const query = c.req.valid("query");
    if ((query.did === undefined) === (query.didNot === undefined)) {
      throw new AppError("validation_failed", "give exactly one of did or didNot");
    }
    const since = query.within === undefined ? 0 : Date.now() - query.within;
    const spec: Omit<SegmentSpec, "limit"> = {
      mode: query.did !== undefined ? "did" : "didNot",
      type: (query.did ?? query.didNot)!,
      since,
      campaignId: query.campaignId ?? null,
      after: decodeCursor(query.cursor, Cursor)?.after ?? "",
    };
    const { items, cursor } = await readPage(
      query.limit,
      (rows) => segmentPage(database(c.env.DB), { ...spec, limit: rows }),
      (last) => ({ after: last.contact_id }),
    );
    const contacts = items.map((r) => ({ contactId: r.contact_id, lastAt: new Date(r.last_at).toISOString() }));
    return c.json({
      segment: { [spec.mode]: spec.type, campaignId: spec.campaignId, since: new Date(since).toISOString() },
      items: contacts,
      cursor,
      // The names this list answered with before every list answered `{ items, cursor }`: kept for existing callers.
      contacts,
      nextCursor: cursor,
    });
  },
);
