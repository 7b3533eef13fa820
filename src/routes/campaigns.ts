// /api/campaigns: the list with headline numbers, per-campaign stats, timeline and links, a rebuild from D1, and resuming
// sends the reputation guard paused.

import { Hono } from "hono";
import * as v from "valibot";
import { listCampaigns, upsertCampaignStatements } from "../db/campaigns";
import { database, runBatch } from "../db/client";
import { CampaignId } from "../domain/schemas";
import { AppError } from "../errors";
import { accountGuard } from "../guard/account-guard";
import { requeueParked } from "../guard/parked";
import { guardReport } from "../guard/report";
import { campaignStats } from "../stats/counters";
import { HOUR_MS } from "../stats/counting";
import { linksReport, statsReport, timelinePoints, timelineRange, type Bucket } from "../stats/report";
import { validateWith } from "./body";
import { decodeCursor, encodeCursor } from "./pagination";
import { Instant, pageLimit } from "./query";
import type { AppEnv } from "../app-env";

const ListQuery = v.object({ cursor: v.optional(v.string()), limit: pageLimit(20, 100) });
const ListCursor = v.object({ lastEventAt: v.pipe(v.number(), v.integer()), id: CampaignId });
const TimelineQuery = v.object({
  bucket: v.optional(v.picklist(["hour", "day"], "must be hour or day"), "hour"),
  from: v.optional(Instant),
  to: v.optional(Instant),
});
const LinksQuery = v.object({ limit: pageLimit(100, 1000) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const campaigns = new Hono<AppEnv>();

/** Newest activity first, each with the same numbers as its stats; the numbers come from the counters, not D1. */
campaigns.get("/", async (c) => {
  const query = validateWith(ListQuery, c.req.query());
  const rows = await listCampaigns(database(c.env.DB), decodeCursor(query.cursor, ListCursor), query.limit);
  const account = rows.length > 0 ? await accountGuard(c.env.ACCOUNT_GUARD).state() : null;
  const items = await Promise.all(
    rows.map(async (row) => {
      const { counts, guard } = await campaignStats(c.env.CAMPAIGN_STATS, row.id).report();
      return {
        ...statsReport(row.id, counts),
        guard: guardReport(guard, account!),
        firstEventAt: iso(row.firstEventAt),
        lastEventAt: iso(row.lastEventAt),
      };
    }),
  );
  const last = rows.at(-1);
  const nextCursor = last && rows.length === query.limit ? encodeCursor({ lastEventAt: last.lastEventAt, id: last.id }) : null;
  return c.json({ campaigns: items, nextCursor });
});

function campaignIdParam(raw: string): string {
  return validateWith(v.object({ campaignId: CampaignId }), { campaignId: raw }).campaignId;
}

/** An unknown campaign is one with no events yet: zeros, not an error. `guard` says whether its sends are paused, and why. */
campaigns.get("/:id/stats", async (c) => {
  const campaignId = campaignIdParam(c.req.param("id"));
  const [{ counts, guard }, account] = await Promise.all([
    campaignStats(c.env.CAMPAIGN_STATS, campaignId).report(),
    accountGuard(c.env.ACCOUNT_GUARD).state(),
  ]);
  return c.json({ ...statsReport(campaignId, counts), guard: guardReport(guard, account) });
});

/**
 * Lift the reputation guard's pause: from now on only what is counted after the resume is judged, and the parked
 * sends go back on the send queue (unless the account is paused too: POST /api/account/resume).
 */
campaigns.post("/:id/resume", async (c) => {
  const campaignId = campaignIdParam(c.req.param("id"));
  const { resumed, guard } = await campaignStats(c.env.CAMPAIGN_STATS, campaignId).resume();
  const requeue = await requeueParked(c.env, campaignId);
  const account = await accountGuard(c.env.ACCOUNT_GUARD).state();
  return c.json({ campaignId, resumed, ...requeue, guard: guardReport(guard, account) });
});

campaigns.get("/:id/timeline", async (c) => {
  const campaignId = campaignIdParam(c.req.param("id"));
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

campaigns.get("/:id/links", async (c) => {
  const campaignId = campaignIdParam(c.req.param("id"));
  const query = validateWith(LinksQuery, c.req.query());
  return c.json({ campaignId, links: linksReport(await campaignStats(c.env.CAMPAIGN_STATS, campaignId).links(query.limit)) });
});

/** Recovery: the counters recounted from the events in D1; answers the new stats. */
campaigns.post("/:id/rebuild", async (c) => {
  const campaignId = campaignIdParam(c.req.param("id"));
  const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
  const result = await stub.rebuild(campaignId);
  if (result.firstAt !== null && result.lastAt !== null) {
    // Campaigns with events stored before the campaigns table existed join the list here.
    await runBatch(c.env.DB, upsertCampaignStatements(c.env.DB, [{ id: campaignId, firstEventAt: result.firstAt, lastEventAt: result.lastAt }]));
  }
  return c.json({ rebuilt: { events: result.events }, stats: statsReport(campaignId, await stub.counts()) });
});
