// Campaign numbers: the list with headline numbers, per-campaign stats, timeline and links, and a rebuild from D1.

import { Hono } from "hono";
import * as v from "valibot";
import { listCampaigns, upsertCampaignStatements } from "../../db/campaigns";
import { database, runBatch } from "../../db/client";
import { CampaignId } from "../../domain/schemas";
import { AppError } from "../../errors";
import { accountGuard } from "../../guard/account-guard";
import { guardReport } from "../../guard/report";
import { campaignStats } from "../../stats/counters";
import { HOUR_MS } from "../../stats/counting";
import { linksReport, statsReport, timelinePoints, timelineRange, type Bucket } from "../../stats/report";
import { validateWith } from "../body";
import { decodeCursor, pageLimit, pageQuery, readPage } from "../pagination";
import { Instant } from "../query";
import { campaignIdParam } from "./params";
import type { AppEnv } from "../../app-env";

const ListQuery = pageQuery(20, 100);
const ListCursor = v.object({ lastEventAt: v.pipe(v.number(), v.integer()), id: CampaignId });
const TimelineQuery = v.object({
  bucket: v.optional(v.picklist(["hour", "day"], "must be hour or day"), "hour"),
  from: v.optional(Instant),
  to: v.optional(Instant),
});
const LinksQuery = v.object({ limit: pageLimit(100, 1000) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const campaignReports = new Hono<AppEnv>();

/** Newest activity first, each with the same numbers as its stats; the numbers come from the counters, not D1. */
campaignReports.get("/", async (c) => {
  const query = validateWith(ListQuery, c.req.query());
  const after = decodeCursor(query.cursor, ListCursor);
  const page = await readPage(
    query.limit,
    (rows) => listCampaigns(database(c.env.DB), after, rows),
    (last) => ({ lastEventAt: last.lastEventAt, id: last.id }),
  );
  const account = page.items.length > 0 ? await accountGuard(c.env.ACCOUNT_GUARD).state() : null;
  const items = await Promise.all(
    page.items.map(async (row) => {
      const { counts, guard } = await campaignStats(c.env.CAMPAIGN_STATS, row.id).report();
      return {
        ...statsReport(row.id, counts),
        guard: guardReport(guard, account!),
        firstEventAt: iso(row.firstEventAt),
        lastEventAt: iso(row.lastEventAt),
      };
    }),
  );
  // `campaigns` and `nextCursor` are the names this list answered with first: kept for existing callers.
  return c.json({ items, cursor: page.cursor, campaigns: items, nextCursor: page.cursor });
});

/** An unknown campaign is one with no events yet: zeros, not an error. `guard` says whether its sends are paused, and why. */
campaignReports.get("/:id/stats", async (c) => {
  const campaignId = campaignIdParam(c);
  const [{ counts, guard }, account] = await Promise.all([
    campaignStats(c.env.CAMPAIGN_STATS, campaignId).report(),
    accountGuard(c.env.ACCOUNT_GUARD).state(),
  ]);
  return c.json({ ...statsReport(campaignId, counts), guard: guardReport(guard, account) });
});

campaignReports.get("/:id/timeline", async (c) => {
  const campaignId = campaignIdParam(c);
  const query = validateWith(TimelineQuery, c.req.query());
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
});

campaignReports.get("/:id/links", async (c) => {
  const campaignId = campaignIdParam(c);
  const query = validateWith(LinksQuery, c.req.query());
  return c.json({ campaignId, links: linksReport(await campaignStats(c.env.CAMPAIGN_STATS, campaignId).links(query.limit)) });
});

/** Recovery: the counters recounted from the events in D1; answers the new stats. */
campaignReports.post("/:id/rebuild", async (c) => {
  const campaignId = campaignIdParam(c);
  const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
  const result = await stub.rebuild(campaignId);
  if (result.firstAt !== null && result.lastAt !== null) {
    // Campaigns with events stored before the campaigns table existed join the list here.
    await runBatch(c.env.DB, upsertCampaignStatements(c.env.DB, [{ id: campaignId, firstEventAt: result.firstAt, lastEventAt: result.lastAt }]));
  }
  return c.json({ rebuilt: { events: result.events }, stats: statsReport(campaignId, await stub.counts()) });
});
