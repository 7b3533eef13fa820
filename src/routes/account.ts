// /api/account: the account-wide reputation guard (the last 24 hours over all campaigns) and resuming its pause.

import { Hono } from "hono";
import { accountGuard } from "../objects/account-guard";
import { requeueParked } from "../cron/parked-sends";
import { AccountGuard, AccountResume } from "../domain/api-contract";
import { doc } from "./describe";
import type { AppEnv } from "./app-env";

export const accountApi = new Hono<AppEnv>();

accountApi.get(
  "/guard",
  doc({ tag: "Reputation guard", summary: "The account-wide guard: the last 24 hours over all campaigns", ok: { schema: AccountGuard } }),
  async (c) => c.json(await accountGuard(c.env.ACCOUNT_GUARD).state()),
);

/** Lift the account's pause; parked sends of campaigns not paused by their own guard go back on the send queue. */
accountApi.post(
  "/resume",
  doc({ tag: "Reputation guard", summary: "Lift the account's pause and re-queue the parked sends it held", ok: { schema: AccountResume } }),
  async (c) => {
    const { resumed, guard } = await accountGuard(c.env.ACCOUNT_GUARD).resume();
    const requeue = await requeueParked(c.env, null);
    return c.json({ resumed, ...requeue, guard });
  },
);
