// /api/account: the account-wide reputation guard (the last 24 hours over all campaigns) and resuming its pause.

import { Hono } from "hono";
import { accountGuard } from "../objects/account-guard";
import { requeueParked } from "../cron/parked-sends";
import type { AppEnv } from "./app-env";

export const accountApi = new Hono<AppEnv>();

accountApi.get("/guard", async (c) => c.json(await accountGuard(c.env.ACCOUNT_GUARD).state()));

/** Lift the account's pause; parked sends of campaigns not paused by their own guard go back on the send queue. */
accountApi.post("/resume", async (c) => {
  const { resumed, guard } = await accountGuard(c.env.ACCOUNT_GUARD).resume();
  const requeue = await requeueParked(c.env, null);
  return c.json({ resumed, ...requeue, guard });
});
