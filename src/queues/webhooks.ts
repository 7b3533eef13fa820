// The webhooks queue consumer: each task is one event for one endpoint, claimed in D1, signed, POSTed, recorded.
//
// At least once: a delivery row per endpoint and event (its id is the webhook-id) is claimed before each attempt
// and settled after it. A claim found still held by the same queue message (its consumer died mid-attempt, or the
// answer could not be written) is recorded as an attempt with an unknown outcome and sent again with the same
// webhook-id: receivers dedupe on it, as the Standard Webhooks specification expects. Tasks for one endpoint are sent
// in their batch order, one at a time; once one must wait (a retryable failure), the endpoint's later tasks in the
// batch wait as long without an attempt. Endpoints are served side by side.

import { inArray } from "drizzle-orm";
import { config } from "../config/config";
import { database, type Db } from "../db/client";
import { eventRowsById } from "../db/events";
import type { EndpointRow } from "../db/webhook-endpoints";
import {
  claimDelivery,
  deliveriesById,
  failWithoutAttempt,
  insertDeliveries,
  releaseLostClaim,
  settleAttempt,
  type Claim,
  type NewDelivery,
  type Settlement,
} from "../db/webhook-deliveries";
import { webhookEndpoints } from "../db/schema";
import { errorFields, log } from "../lib/log";
import { storeDeadLetter } from "./dead-letters";
import { retryLater } from "./retry";
import { REAL_CLOCK, type Clock } from "../lib/clock";
import { eventPayload, noticePayload } from "../webhooks/payload";
import { postWebhook } from "../webhooks/post";
import { DISABLE_AFTER_MS, judge, queueDelaySeconds } from "../webhooks/retry";
import { activeSecrets, signedHeaders } from "../webhooks/signing";
import { deliveryId, readWebhookTask, type WebhookTask } from "../webhooks/tasks";
import { checkWebhookUrl } from "../webhooks/url-policy";

/** Longer than a queue consumer may run (15 minutes): a claim this old has no living holder. */
export const STALE_CLAIM_MS = 20 * 60_000;
/** How soon to look again at a delivery another message is attempting right now. */
const BUSY_RETRY_S = 60;

interface Item {
  message: Message<unknown>;
  task: WebhookTask;
  id: string;
}

/** The payloads of deliveries not made yet: stored events read from D1 (one query), notices from the task. */
async function newDeliveries(db: Db, items: readonly Item[]): Promise<{ rows: NewDelivery[]; gone: Item[] }> {
  const stored = await eventRowsById(
    db,
    items.filter((i) => i.task.event.data === undefined).map((i) => i.task.event.id),
  );
  const rows: NewDelivery[] = [];
  const gone: Item[] = [];
  for (const item of items) {
    const { event } = item.task;
    let payload: unknown;
    let contactKey: string | null = null;
    if (event.data !== undefined) payload = noticePayload(event.type, event.at, event.data);
    else {
      const row = stored.get(event.id);
      // Stored before it was enqueued; absent now only if erased since: nothing left to send.
      if (!row) {
        gone.push(item);
        continue;
      }
      payload = eventPayload(row);
      contactKey = row.contactId;
    }
    rows.push({
      id: item.id,
      endpointId: item.task.endpointId,
      eventId: event.id,
      eventType: event.type,
      campaignId: event.campaignId,
      contactKey,
      payload: JSON.stringify(payload),
    });
  }
  return { rows, gone };
}

export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env, clock: Clock = REAL_CLOCK): Promise<void> {
  const db = database(env.DB);
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const message of batch.messages) {
    const read = readWebhookTask(message.body);
    if (!read.ok) {
      // It will never become one: kept where it can be read, and not offered again.
      try {
        await storeDeadLetter(env, batch.queue, message, read.reason);
        message.ack();
      } catch {
        retryLater(message);
      }
      continue;
    }
    const task = read.value;
    const id = await deliveryId(task.endpointId, task.event.id);
    // A task enqueued twice (a replayed events batch) arriving in one batch: the first copy carries it.
    if (seen.has(id)) {
      message.ack();
      continue;
    }
    seen.add(id);
    items.push({ message, task, id });
  }
  if (items.length === 0) return;

  let endpoints: Map<string, EndpointRow>;
  try {
    endpoints = await loadEndpoints(db, items);
    await makeDeliveries(db, items, clock.now());
  } catch (err) {
    log.error("webhook tasks not prepared; will retry", { messages: items.length, ...errorFields(err) });
    for (const { message } of items) retryLater(message);
    return;
  }

  const groups = new Map<string, Item[]>();
  for (const item of items) {
    let group = groups.get(item.task.endpointId);
    if (!group) groups.set(item.task.endpointId, (group = []));
    group.push(item);
  }
  await Promise.all([...groups].map(([endpointId, group]) => serveEndpoint(db, env, endpoints.get(endpointId), group, clock)));
}

async function loadEndpoints(db: Db, items: readonly Item[]): Promise<Map<string, EndpointRow>> {
  const ids = [...new Set(items.map((i) => i.task.endpointId))];
  const rows = await db.select().from(webhookEndpoints).where(inArray(webhookEndpoints.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

/** Rows for the tasks that have none yet; a task whose event is gone is acknowledged (and dropped from `items`). */
async function makeDeliveries(db: Db, items: Item[], now: number): Promise<void> {
  const existing = new Set(
    (
      await deliveriesById(
        db,
        items.map((i) => i.id),
      )
    ).map((r) => r.id),
  );
  const missing = items.filter((i) => !existing.has(i.id));
  if (missing.length === 0) return;
  const { rows, gone } = await newDeliveries(db, missing);
  await insertDeliveries(db, rows, now);
  for (const item of gone) {
    log.info("webhook skipped: its event is no longer stored", { eventId: item.task.event.id, endpointId: item.task.endpointId });
    item.message.ack();
    items.splice(items.indexOf(item), 1);
  }
}

/** One endpoint's tasks, in order; `wait` is set once the endpoint asked for time, and the rest wait as long. */
async function serveEndpoint(db: Db, env: Env, endpoint: EndpointRow | undefined, group: readonly Item[], clock: Clock): Promise<void> {
  let wait: number | null = null;
  for (const item of group) {
    if (wait !== null) {
      item.message.retry({ delaySeconds: wait });
      continue;
    }
    try {
      wait = await serveOne(db, env, endpoint, item, clock);
    } catch (err) {
      // Before the POST (D1 out): nothing was sent, it is simply offered again.
      log.error("webhook task failed before sending; will retry", { delivery: item.id, ...errorFields(err) });
      retryLater(item.message);
    }
  }
}

/** Deliver one task; resolves to the delay the endpoint's later tasks must wait, or null when they may go on. */
async function serveOne(db: Db, env: Env, endpoint: EndpointRow | undefined, item: Item, clock: Clock): Promise<number | null> {
  const { message } = item;
  const now = clock.now();
  if (!endpoint) {
    // Deleted: its deliveries went with it.
    message.ack();
    return null;
  }
  const allowed = checkWebhookUrl(endpoint.url, config(env).webhooks);
  const refusal = !endpoint.enabled
    ? `endpoint disabled: ${endpoint.disabledReason ?? "by the API"}`
    : !allowed.ok
      ? `endpoint URL no longer allowed: ${allowed.reason}`
      : null;
  if (refusal) {
    await failWithoutAttempt(db, item.id, refusal, now);
    message.ack();
    return null;
  }
  const claim = await claimFor(db, item, now);
  if ("ack" in claim) {
    message.ack();
    return null;
  }
  if ("delayS" in claim) {
    message.retry({ delaySeconds: claim.delayS });
    return null;
  }
  return attempt(db, endpoint, item, claim, clock);
}

type ClaimOutcome = Claim | { ack: true } | { delayS: number };

/** Claim the delivery, or say why not: finished (ack), not due yet or busy elsewhere (come back later). */
async function claimFor(db: Db, item: Item, now: number): Promise<ClaimOutcome> {
  const claim = await claimDelivery(db, item.id, item.message.id, now);
  if (claim) return claim;
  const [row] = await deliveriesById(db, [item.id]);
  if (!row || row.state === "delivered" || row.state === "failed") return { ack: true };
  if (row.state === "pending") return { delayS: Math.max(1, queueDelaySeconds(row.nextAttemptAt, now)) };
  // `sending`: held by this very message (redelivered, so its last holder stopped) or by nobody alive any more.
  const mine = row.claimedBy === item.message.id;
  if (!mine && (row.claimedAt ?? 0) > now - STALE_CLAIM_MS) return { delayS: BUSY_RETRY_S };
  await releaseLostClaim(db, row, now);
  log.info("webhook attempt's answer was lost; sending again with the same webhook-id", { delivery: row.id, attempt: row.attempts });
  return (await claimDelivery(db, item.id, item.message.id, now)) ?? { delayS: BUSY_RETRY_S };
}

async function attempt(db: Db, endpoint: EndpointRow, item: Item, claim: Claim, clock: Clock): Promise<number | null> {
  const { message } = item;
  const at = clock.now();
  const secrets = activeSecrets(
    { current: endpoint.secret, previous: endpoint.previousSecret, previousExpiresAt: endpoint.previousSecretExpiresAt },
    at,
  );
  const { result, latencyMs } = await postWebhook(endpoint.url, signedHeaders(item.id, at, claim.payload, secrets), claim.payload, at);
  const verdict = judge(result, claim.attempt, claim.autoRetry);
  const status = result.kind === "response" ? result.status : null;
  const settlement: Settlement =
    verdict.outcome === "delivered"
      ? { outcome: "delivered", status: status! }
      : verdict.outcome === "retry"
        ? { outcome: "retry", status, error: verdict.error, nextAttemptAt: at + verdict.delayS * 1000 }
        : { outcome: "failed", status, error: verdict.error, disableEndpoint: verdict.disableEndpoint };
  try {
    await settleAttempt(
      db,
      { id: item.id, endpointId: endpoint.id, attempt: claim.attempt, messageId: message.id, at, latencyMs, result: settlement },
      DISABLE_AFTER_MS,
    );
  } catch (err) {
    // The POST went out but its answer is not written: the claim stays with this message, whose redelivery records
    // the attempt as unknown and sends again (same webhook-id). Soon: the receiver is waiting for nothing.
    log.error("webhook answer not recorded; the message comes back and resends", {
      delivery: item.id,
      attempt: claim.attempt,
      ...errorFields(err),
    });
    retryLater(message);
    return null;
  }
  if (settlement.outcome === "retry") {
    const delayS = queueDelaySeconds(settlement.nextAttemptAt, at);
    message.retry({ delaySeconds: delayS });
    return delayS;
  }
  message.ack();
  return null;
}
