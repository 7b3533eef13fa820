// The path parameters of /api/campaigns/<id>/…: one campaign-id check (and one job-id check) for every route.

import * as v from "valibot";
import { CampaignId } from "../../domain/schemas";
import { JobId } from "../../sending/schemas";
import { params } from "../validate";

/** The reasons call `<id>` what it is, as they always have. */
const names = { id: "campaignId" };

/** `<id>`, or 400 `campaignId: …`. */
export const campaignParam = params(v.object({ id: CampaignId }), { names });

/** `<id>` and `<jobId>`, or 400 naming the one that is not valid. */
export const jobParams = params(v.object({ id: CampaignId, jobId: JobId }), { names });
