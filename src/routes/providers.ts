// /api/providers: the account's numbers per mailbox provider, summed over its campaigns (src/objects/provider-totals.ts).

import { Hono } from "hono";
import { database } from "../db/client";
import { AccountProviders } from "../domain/api-contract";
import { accountProviderCounts, MAX_CAMPAIGNS } from "../objects/provider-totals";
import { providerItems } from "../stats/provider-report";
import { doc } from "./describe";
import type { AppEnv } from "./app-env";

export const providersApi = new Hono<AppEnv>();

providersApi.get(
  "/",
  doc({
    tag: "Campaigns",
    summary: `The account's numbers per mailbox provider: the sum over its ${MAX_CAMPAIGNS} most recently active campaigns`,
    ok: { schema: AccountProviders },
  }),
  async (c) => {
    const { counts, campaigns, complete } = await accountProviderCounts(database(c.env.DB), c.env.CAMPAIGN_STATS);
    return c.json({ items: providerItems(counts), campaigns, complete });
  },
);
