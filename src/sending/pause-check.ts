// Whether a campaign's sends are paused right now: its own guard, or the account's. Asked once per send batch.

import { campaignStats } from "../objects/stats-client";
import { accountGuard } from "../objects/account-guard";
import type { PauseReason } from "../domain/guard-rules";
import { memo } from "../lib/promise-cache";

export interface SendPause {
  scope: "campaign" | "account";
  reason: PauseReason;
  pausedAt: string;
}

export function describePause(p: SendPause): string {
  const what = p.reason === "bounce_rate" ? "bounce rate" : "complaint rate";
  return `${p.scope === "account" ? "all sends are" : "the campaign's sends are"} paused by the reputation guard (${what}, since ${p.pausedAt})`;
}

/**
 * A lookup for one batch: the account's state is read once, each campaign's once (one Durable Object call each),
 * so a pause decided before the batch began stops the whole batch.
 */
export function pauseChecker(env: Pick<Env, "CAMPAIGN_STATS" | "ACCOUNT_GUARD">): (campaignId: string) => Promise<SendPause | null> {
  let account: Promise<SendPause | null> | null = null;

  const accountPause = async (): Promise<SendPause | null> => {
    const state = await accountGuard(env.ACCOUNT_GUARD).state();
    return state.pause ? { scope: "account", reason: state.pause.reason, pausedAt: state.pause.pausedAt } : null;
  };
  const campaignPause = async (campaignId: string): Promise<SendPause | null> => {
    const state = await campaignStats(env.CAMPAIGN_STATS, campaignId).guardState();
    return state.pause ? { scope: "campaign", reason: state.pause.reason, pausedAt: state.pause.pausedAt } : null;
  };
  const campaigns = memo(campaignPause);
  return async (campaignId) => {
    account ??= accountPause();
    const campaign = campaigns(campaignId);
    return (await account) ?? (await campaign);
  };
}
