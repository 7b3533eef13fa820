// Every route under /api/campaigns, one file per concern: the numbers, a send, its jobs, the settings, the guard.

import { Hono } from "hono";
import { campaignAudience } from "./audience";
import { campaignGuard } from "./guard";
import { campaignJobs } from "./jobs";
import { campaignProviders } from "./providers";
import { campaignRecipients } from "./recipients";
import { campaignReports } from "./reports";
import { campaignSends } from "./send";
import { campaignSettings } from "./settings";
import type { AppEnv } from "../app-env";

export const campaigns = new Hono<AppEnv>();

campaigns.route("/", campaignReports);
campaigns.route("/", campaignSends);
campaigns.route("/", campaignSettings);
campaigns.route("/", campaignJobs);
campaigns.route("/", campaignGuard);
campaigns.route("/", campaignAudience);
campaigns.route("/", campaignProviders);
campaigns.route("/", campaignRecipients);
