// The path parameters of /api/campaigns/<campaignId>/…: one campaign-id check (and one job-id check) for every route.

import * as v from "valibot";
import { CampaignId } from "../../domain/schemas";
import { JobId } from "../../sending/schemas";
import { params } from "../validate";

/** `<campaignId>`, or 400 `campaignId: …`. */
export const campaignParam = params(v.object({ campaignId: CampaignId }));

/** `<campaignId>` and `<jobId>`, or 400 naming the one that is not valid. */
export const jobParams = params(v.object({ campaignId: CampaignId, jobId: JobId }));
