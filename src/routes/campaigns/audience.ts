// GET /api/campaigns/<id>/audience: human opens by mail client, human clicks by browser, devices, OS and countries.

import { Hono } from "hono";
import { CampaignAudience } from "../../domain/api-contract";
import { campaignStats } from "../../objects/stats-client";
import { doc, INPUT } from "../describe";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignAudience = new Hono<AppEnv>();

campaignAudience.get(
  "/:id/audience",
  doc({
    tag: "Campaigns",
    summary: "Human opens by mail client and clicks by browser, with devices, operating systems and countries",
    description:
      "Counted from the counters, exactly once per event; people (openers, clickers) count for the client of their first human open or click. Apple Mail readers behind Mail Privacy Protection are machine opens, so Apple Mail is under-counted.",
    ok: { schema: CampaignAudience },
    errors: INPUT,
  }),
  campaignParam,
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const audience = await campaignStats(c.env.CAMPAIGN_STATS, campaignId).audience();
    return c.json({ campaignId, ...audience });
  },
);
