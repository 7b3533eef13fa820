// Campaign numbers: the list with headline numbers, per-campaign stats, timeline and links, and a rebuild from D1.

import { Hono } from "hono";
import * as v from "valibot";
import { listCampaigns, upsertCampaignStatements } from "../../db/campaigns";
import { database, runBatch } from "../../db/client";
import { campaignEvents, eventJson } from "../../db/contact-events";
import { EVENT_TYPES } from "../../domain/events";
import { CampaignId } from "../../domain/schemas";
import { AppError } from "../../lib/errors";
import { accountGuard } from "../../objects/account-guard";
import { guardReport } from "../../guard/report";
import { campaignReport, campaignStats } from "../../objects/stats-client";
import { HOUR_MS } from "../../stats/counting";
import { linksReport, timelinePoints, timelineRange, type Bucket } from "../../stats/report";
import { CampaignList, CampaignStats, ContactEvent, Links, page, Rebuild, Timeline } from "../../domain/api-contract";
import { doc, INPUT } from "../describe";
import { query } from "../validate";
import { decodeCursor, EventCursor, PageQuery, pageLimit, pageQuery, readPage } from "../pagination";
import { Instant } from "../query";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

const ListQuery = pageQuery(20, 100);
const ListCursor = v.object({ lastEventAt: v.pipe(v.number(), v.integer()), id: CampaignId });
const TimelineQuery = v.object({
  bucket: v.optional(v.picklist(["hour", "day"], "must be hour or day"), "hour"),
  from: v.optional(Instant),
  to: v.optional(Instant),
});
const LinksQuery = v.object({ limit: pageLimit(100, 1000) });
const EventsQuery = v.object({
  ...PageQuery.entries,
  machine: v.optional(
    v.pipe(
      v.picklist(["true", "false"], "must be true or false"),
      v.transform((s) => s === "true"),
    ),
  ),
  type: v.optional(v.picklist(EVENT_TYPES, `must be one of ${EVENT_TYPES.join(", ")}`)),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const campaignReports = new Hono<AppEnv>();

/** The stats answer: the counters, and the guard with the account's pause beside the campaign's. */
async function statsAnswer(env: Env, campaignId: string) {
  const [report, account] = await Promise.all([campaignReport(env.CAMPAIGN_STATS, campaignId), accountGuard(env.ACCOUNT_GUARD).state()]);
  return { ...report, guard: guardReport(report.guard, account) };
}

/** Newest activity first, each with the same numbers as its stats; the numbers come from the counters, not D1. */
const TAG = "Campaigns";

campaignReports.get(
  "/",
  doc({ tag: TAG, summary: "The campaigns, newest activity first, each with its stats", ok: { schema: CampaignList }, errors: INPUT }),
  query(ListQuery),
  async (c) => {
    const query = c.req.valid("query");
    const after = decodeCursor(query.cursor, ListCursor);
    const page = await readPage(
      query.limit,
      (rows) => listCampaigns(database(c.env.DB), after, rows),
      (last) => ({ lastEventAt: last.lastEventAt, id: last.id }),
    );
    const account = page.items.length > 0 ? await accountGuard(c.env.ACCOUNT_GUARD).state() : null;
    const items = await Promise.all(
      page.items.map(async (row) => {
        const report = await campaignReport(c.env.CAMPAIGN_STATS, row.id);
        return { ...report, guard: guardReport(report.guard, account!), firstEventAt: iso(row.firstEventAt), lastEventAt: iso(row.lastEventAt) };
      }),
    );
    // `campaigns` and `nextCursor` are the names this list answered with first: kept for existing callers.
    return c.json({ items, cursor: page.cursor, campaigns: items, nextCursor: page.cursor });
  },
);

/** An unknown campaign is one with no events yet: zeros, not an error. `guard` says whether its sends are paused, and why. */
campaignReports.get(
  "/:id/stats",
  doc({
    tag: TAG,
    summary: "A campaign's counters and rates, and its guard (zeros for a campaign with no events yet)",
    ok: { schema: CampaignStats },
    errors: INPUT,
  }),
  campaignParam,
  async (c) => c.json(await statsAnswer(c.env, c.req.valid("param").id)),
);

campaignReports.get(
  "/:id/timeline",
  doc({ tag: TAG, summary: "Every counter per hour or day, empty buckets as zeros", ok: { schema: Timeline }, errors: INPUT }),
  campaignParam,
  query(TimelineQuery),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const query = c.req.valid("query");
    const bucket: Bucket = query.bucket;
    const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
    const extent = query.from === undefined || query.to === undefined ? await stub.hourRange() : null;
    const range = timelineRange(bucket, query.from, query.to, extent);
    if (!range.ok) throw new AppError("validation_failed", range.reason);
    if ("empty" in range) return c.json({ campaignId, bucket, from: null, to: null, points: [] });
    const rows = await stub.hours(range.fromHour, range.toHour);
    return c.json({
      campaignId,
      bucket,
      from: iso(range.fromHour * HOUR_MS),
      to: iso(range.toHour * HOUR_MS),
      points: timelinePoints(bucket, range.fromHour, range.toHour, rows),
    });
  },
);

campaignReports.get(
  "/:id/links",
  doc({ tag: TAG, summary: "Clicks per link, most clicked first", ok: { schema: Links }, errors: INPUT }),
  campaignParam,
  query(LinksQuery),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const links = await campaignStats(c.env.CAMPAIGN_STATS, campaignId).links(c.req.valid("query").limit);
    return c.json({ campaignId, links: linksReport(links) });
  },
);

/** The campaign's events newest first, with their verdicts: `machine=true|false` keeps the opens and clicks judged so. */
campaignReports.get(
  "/:id/events",
  doc({ tag: TAG, summary: "The campaign's events newest first, with their verdicts", ok: { schema: page(ContactEvent) }, errors: INPUT }),
  campaignParam,
  query(EventsQuery),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const query = c.req.valid("query");
    const filter = { machine: query.machine, type: query.type };
    const before = decodeCursor(query.cursor, EventCursor);
    const result = await readPage(
      query.limit,
      (rows) => campaignEvents(database(c.env.DB), campaignId, filter, before, rows),
      (last) => ({ at: last.occurredAt, id: last.id }),
    );
    return c.json({ items: result.items.map(eventJson), cursor: result.cursor });
  },
);

/** Recovery: the counters recounted from the events in D1; answers the new stats. */
campaignReports.post(
  "/:id/rebuild",
  doc({ tag: TAG, summary: "Recount the counters from the events in D1 (recovery); answers the new stats", ok: { schema: Rebuild }, errors: INPUT }),
  campaignParam,
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
    const result = await stub.rebuild(campaignId);
    if (result.firstAt !== null && result.lastAt !== null) {
      // Campaigns with events stored before the campaigns table existed join the list here.
      const db = database(c.env.DB);
      await runBatch(db, upsertCampaignStatements(db, [{ id: campaignId, firstEventAt: result.firstAt, lastEventAt: result.lastAt }]));
    }
    return c.json({ rebuilt: { events: result.events }, stats: await statsAnswer(c.env, campaignId) });
  },
);
