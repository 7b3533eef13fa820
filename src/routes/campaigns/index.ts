// Every route under /api/campaigns, one file per concern: the numbers, a send, its jobs, the tracking settings.

import { Hono } from "hono";
import { campaignJobs } from "./jobs";
import { campaignReports } from "./reports";
import { campaignSends } from "./send";
import { campaignSettings } from "./settings";
import type { AppEnv } from "../../app-env";

export const campaigns = new Hono<AppEnv>();

campaigns.route("/", campaignReports);
campaigns.route("/", campaignSends);
campaigns.route("/", campaignSettings);
campaigns.route("/", campaignJobs);
