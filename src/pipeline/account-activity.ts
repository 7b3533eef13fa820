// Feeding the guards from the events consumer: the account's share of a batch, and announcing new pauses.

import type { TrackingEvent } from "../domain/events";
import { errorFields, log } from "../lib/log";
import { campaignStats } from "../objects/stats-client";
import { countedEvent } from "../stats/counting";
import type { WebhookEvent } from "../webhooks/tasks";
import { accountGuard, type AccountActivity, type AccountGuard } from "../objects/account-guard";
import type { GuardNotice } from "../guard/pause-store";

/** Sends, hard bounces and complaints: all the account guard counts. */
export function accountActivity(list: readonly TrackingEvent[]): AccountActivity[] {
  const out: AccountActivity[] = [];
  for (const e of list) {
    if (e.type === "send") out.push({ id: e.id, kind: "sent", at: e.occurredAt });
    else if (e.type === "complaint") out.push({ id: e.id, kind: "complaint", at: e.occurredAt });
    else if (e.type === "bounce" && countedEvent(e).bounceType === "Permanent") out.push({ id: e.id, kind: "bounceHard", at: e.occurredAt });
  }
  return out;
}

/** One call per batch, and none for a batch with nothing the account counts (opens, clicks, deliveries...). */
export async function recordAccountActivity(ns: DurableObjectNamespace<AccountGuard>, list: readonly TrackingEvent[]): Promise<GuardNotice[]> {
  const activity = accountActivity(list);
  if (activity.length === 0) return [];
  return (await accountGuard(ns).record(activity)).notices ?? [];
}

export function noticeEvent(n: GuardNotice): WebhookEvent {
  return { id: n.id, type: n.type, campaignId: n.campaignId, at: n.at, data: n.data };
}

/**
 * The notices are on the webhooks queue: tell their guards. Never throws: a notice not acknowledged is handed out
 * again with the next events and enqueued again, which delivers nothing twice (same delivery row).
 */
export async function acknowledgeNotices(env: Pick<Env, "CAMPAIGN_STATS" | "ACCOUNT_GUARD">, notices: readonly GuardNotice[]): Promise<void> {
  await Promise.all(
    notices.map((n) =>
      (n.campaignId === null
        ? accountGuard(env.ACCOUNT_GUARD).acknowledgeNotice(n.id)
        : campaignStats(env.CAMPAIGN_STATS, n.campaignId).acknowledgeNotice(n.id)
      ).catch((err: unknown) => log.warn("guard notice not acknowledged; it will be enqueued again", { notice: n.id, ...errorFields(err) })),
    ),
  );
}
