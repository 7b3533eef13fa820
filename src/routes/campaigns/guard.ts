// /api/campaigns/<id>/resume: lifting the reputation guard's pause of a campaign's sends.

import { Hono } from "hono";
import { accountGuard } from "../../objects/account-guard";
import { requeueParked } from "../../cron/parked-sends";
import { guardReport } from "../../guard/report";
import { campaignStats } from "../../objects/stats-client";
import { CampaignResume } from "../../domain/api-contract";
import { doc, INPUT } from "../describe";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignGuard = new Hono<AppEnv>();

/**
 * From now on only what is counted after the resume is judged, and the parked sends go back on the send queue
 * (unless the account is paused too: POST /api/account/resume).
 */
campaignGuard.post(
  "/:id/resume",
  doc({
    tag: "Reputation guard",
    summary: "Lift the guard's pause of a campaign's sends and re-queue its parked sends",
    ok: { schema: CampaignResume },
    errors: INPUT,
  }),
  campaignParam,
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const { resumed, guard } = await campaignStats(c.env.CAMPAIGN_STATS, campaignId).resume();
    const requeue = await requeueParked(c.env, campaignId);
    const account = await accountGuard(c.env.ACCOUNT_GUARD).state();
    return c.json({ campaignId, resumed, ...requeue, guard: guardReport(guard, account) });
  },
);
