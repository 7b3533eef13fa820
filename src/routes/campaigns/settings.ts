// /api/campaigns/<id>/settings: the campaign's tracking switches (opens, clicks, the honeypot link), read and changed.

import { Hono } from "hono";
import { campaignTracking, updateCampaignTracking } from "../../db/campaign-settings";
import { database } from "../../db/client";
import { CampaignSettingsRequest } from "../../sending/schemas";
import { jsonBody, JSON_LIMIT, limitBody } from "../body";
import { campaignIdParam } from "./params";
import type { AppEnv } from "../../app-env";

export const campaignSettings = new Hono<AppEnv>();

campaignSettings.get("/:id/settings", async (c) => {
  const campaignId = campaignIdParam(c);
  return c.json({ campaignId, track: await campaignTracking(database(c.env.DB), campaignId) });
});

campaignSettings.put("/:id/settings", limitBody(JSON_LIMIT), async (c) => {
  const campaignId = campaignIdParam(c);
  const body = await jsonBody(c, CampaignSettingsRequest);
  return c.json({ campaignId, track: await updateCampaignTracking(database(c.env.DB), campaignId, body.track) });
});
