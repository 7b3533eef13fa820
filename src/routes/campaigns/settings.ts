// /api/campaigns/<id>/settings: the campaign's tracking switches (opens, clicks, the honeypot link) and reputation guard.

import { Hono } from "hono";
import { campaignTracking, updateCampaignTracking } from "../../db/campaign-settings";
import { database } from "../../db/client";
import { CampaignSettingsRequest } from "../../sending/schemas";
import type { CampaignGuardState } from "../../guard/pause-store";
import { campaignStats } from "../../objects/stats-client";
import { JSON_LIMIT, limitBody } from "../body";
import { CampaignSettings } from "../../domain/api-contract";
import { BODY, doc, INPUT } from "../describe";
import { json } from "../validate";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignSettings = new Hono<AppEnv>();

function guardSettingsJson(g: CampaignGuardState) {
  return { ...g.settings, thresholds: g.thresholds, paused: g.paused };
}

/** The guard's settings live in the campaign's counters object, where its decisions are made. */
campaignSettings.get(
  "/:id/settings",
  doc({
    tag: "Campaigns",
    summary: "The campaign's tracking switches and reputation guard settings",
    ok: { schema: CampaignSettings },
    errors: INPUT,
  }),
  campaignParam,
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const [track, guard] = await Promise.all([
      campaignTracking(database(c.env.DB), campaignId),
      campaignStats(c.env.CAMPAIGN_STATS, campaignId).guardState(),
    ]);
    return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
  },
);

campaignSettings.put(
  "/:id/settings",
  doc({
    tag: "Campaigns",
    summary: "Change the campaign's tracking switches or guard settings (what is left out stays)",
    ok: { schema: CampaignSettings },
    errors: BODY,
  }),
  limitBody(JSON_LIMIT),
  campaignParam,
  json(CampaignSettingsRequest),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const db = database(c.env.DB);
    const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
    const track = body.track ? await updateCampaignTracking(db, campaignId, body.track) : await campaignTracking(db, campaignId);
    const guard = body.guard ? await stub.updateGuard(body.guard) : await stub.guardState();
    return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
  },
);
