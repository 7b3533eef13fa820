// A campaign's numbers per mailbox provider: its counters' provider rows, with the campaign's rates over each.

import { Hono } from "hono";
import { CampaignProviders } from "../../domain/api-contract";
import { campaignStats } from "../../objects/stats-client";
import { providerItems } from "../../stats/provider-report";
import { doc, INPUT } from "../describe";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignProviders = new Hono<AppEnv>();

campaignProviders.get(
  "/:id/providers",
  doc({
    tag: "Campaigns",
    summary: "Sent, delivered, bounces, complaints, human opens and clicks and the rates per mailbox provider (Google's complaints unknown)",
    ok: { schema: CampaignProviders },
    errors: INPUT,
  }),
  campaignParam,
  async (c) => {
    const campaignId = c.req.valid("param").id;
    return c.json({ campaignId, items: providerItems(await campaignStats(c.env.CAMPAIGN_STATS, campaignId).providers()) });
  },
);
