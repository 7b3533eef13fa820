// The path parameters of /api/campaigns/<id>/…: one campaign-id check (and one job-id check) for every route.

import type { Context } from "hono";
import * as v from "valibot";
import { CampaignId } from "../../domain/schemas";
import { JobId } from "../../sending/schemas";
import { validateWith } from "../body";

const CampaignParams = v.object({ campaignId: CampaignId });
const JobParams = v.object({ campaignId: CampaignId, jobId: JobId });

/** `<id>`, or 400 `campaignId: …`. */
export function campaignIdParam(c: Context): string {
  return validateWith(CampaignParams, { campaignId: c.req.param("id") }).campaignId;
}

/** `<id>` and `<jobId>`, or 400 naming the one that is not valid. */
export function jobParams(c: Context): { campaignId: string; jobId: string } {
  return validateWith(JobParams, { campaignId: c.req.param("id"), jobId: c.req.param("jobId") });
}
