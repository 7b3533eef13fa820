// Applying events to storage: the one function every consumer path calls, idempotent on event ids.

import { config } from "../config/config";
import { campaignSpans, upsertCampaignStatements } from "../db/campaigns";
import { database, runBatch } from "../db/client";
import { insertEventStatements } from "../db/events";
import { suppressionStatements } from "../db/suppression-statements";
import type { TrackingEvent } from "../domain/events";
import { decide } from "../domain/suppression-rules";
import { syncPendingSuppressions } from "../ses/suppression-sync";
import { countEvents } from "../objects/stats-client";
import { enqueueWebhooks, trackingWebhookEvent } from "../webhooks/fanout";
import { acknowledgeNotices, noticeEvent, recordAccountActivity } from "./account-activity";
import { errorFields, log } from "../lib/log";
import { withoutErased } from "../privacy/tombstones";
import { classifyEvents, type ClassifiedEvent } from "./classify";
import { withProviders } from "../stats/mailbox-resolver";

/**
 * Classify the opens and clicks (human or machine, src/pipeline/classify.ts), then store and count everything.
 * A replayed event is classified again and stored and counted as nothing new, so its first verdict stands. Every
 * event is keyed by the identity key first, and those of people erased after they happened are dropped (the
 * erasure tombstone, src/privacy/tombstones.ts).
 */
export async function applyEvents(env: Env, list: readonly TrackingEvent[]): Promise<void> {
  if (list.length === 0) return;
  const kept = await withoutErased(database(env.DB), config(env).privacy, list);
  if (kept.length === 0) return;
  await storeAndCount(env, await classifyEvents(env, kept));
}

/**
 * Store the events, the campaigns they name and the suppression rules' effects in one D1 batch (one
 * round trip, one transaction), then count them: one call per campaign's counters, and one to the account guard.
 * D1 comes first so a rebuild from D1 can always reach what was counted. Then the webhooks are enqueued (with any
 * pause the guards decided). If any step fails the whole message is retried; D1 skips stored ids, the counters and
 * the account skip applied ids, and a task enqueued twice makes one delivery, so replaying the same events, in whole
 * or in part, changes nothing. Opens and clicks come classified (applyEvents); unclassified ones are stored and
 * counted as people's.
 */
export async function storeAndCount(env: Env, list: readonly ClassifiedEvent[]): Promise<void> {
  if (list.length === 0) return;
  const { suppression, privacy } = config(env);
  const db = database(env.DB);
  await runBatch(db, [
    ...insertEventStatements(db, list, { storeFullIp: privacy.storeFullIp }),
    ...upsertCampaignStatements(db, campaignSpans(list)),
    ...suppressionStatements(db, decide(list), suppression),
  ]);
  // Each recipient's mailbox provider is decided before counting, so its counts move with the campaign's.
  const notices = [
    ...(await countEvents(env.CAMPAIGN_STATS, await withProviders(db, list))),
    ...(await recordAccountActivity(env.ACCOUNT_GUARD, list)),
  ];
  // Only enqueued here, after D1 and the counters: webhooks are POSTed by their own consumer, never on this path.
  await enqueueWebhooks(env, [...list.map(trackingWebhookEvent), ...notices.map(noticeEvent)]);
  await acknowledgeNotices(env, notices);
  // The SES mirror is best-effort here: what fails stays pending and the scheduled handler tries again.
  const candidates = list.filter((e) => e.type === "bounce" || e.type === "complaint").map((e) => e.id);
  if (suppression.syncToSes && candidates.length > 0) {
    await syncPendingSuppressions(env, db, { eventIds: candidates }).catch((err: unknown) => {
      log.error("SES suppression sync failed; will retry on schedule", { ...errorFields(err) });
    });
  }
}
