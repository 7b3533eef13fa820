// /api/campaigns/<id>/settings: the campaign's tracking switches (opens, clicks, the honeypot link) and reputation guard.

import { Hono } from "hono";
import { campaignTracking, updateCampaignTracking } from "../../db/campaign-settings";
import { database } from "../../db/client";
import { CampaignSettingsRequest } from "../../sending/schemas";
import type { CampaignGuardState } from "../../guard/pause-store";
import { campaignStats } from "../../objects/stats-client";
import { jsonBody, JSON_LIMIT, limitBody } from "../body";
import { campaignIdParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignSettings = new Hono<AppEnv>();

function guardSettingsJson(g: CampaignGuardState) {
  return { ...g.settings, thresholds: g.thresholds, paused: g.paused };
}

/** The guard's settings live in the campaign's counters object, where its decisions are made. */
campaignSettings.get("/:id/settings", async (c) => {
  const campaignId = campaignIdParam(c);
  const [track, guard] = await Promise.all([
    campaignTracking(database(c.env.DB), campaignId),
    campaignStats(c.env.CAMPAIGN_STATS, campaignId).guardState(),
  ]);
  return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
});

campaignSettings.put("/:id/settings", limitBody(JSON_LIMIT), async (c) => {
  const campaignId = campaignIdParam(c);
  const body = await jsonBody(c, CampaignSettingsRequest);
  const db = database(c.env.DB);
  const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
  const track = body.track ? await updateCampaignTracking(db, campaignId, body.track) : await campaignTracking(db, campaignId);
  const guard = body.guard ? await stub.updateGuard(body.guard) : await stub.guardState();
  return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
});
