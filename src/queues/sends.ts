// The send queue consumer: one recipient per message, claimed in D1 before its SES call, paced under SEND_RATE_PER_SECOND.
//
// Each recipient has a `deliveries` row. A task is sent only if its row can be claimed (`queued` → `sending`)
// right before the SES call, and the row is settled after it: `sent` (a `send` event), `rejected` by SES (a 4xx
// such as MessageRejected: a `reject` event, not retried), or `unknown` when SES may have taken it (5xx, a lost
// answer, no MessageId), which is never sent again except by an operator's resend-unknown. Only failures SES
// answered before taking anything (throttling, refused credentials) give the claim back and retry the message.
// A redelivered task whose row is settled is acknowledged without calling SES; one left `sending` by a consumer
// that died mid-call becomes `unknown`. Once SES throttles or an outcome is unknown, the rest of the batch is
// retried later rather than sent. While the reputation guard has paused the campaign's sends (or the account's),
// a task is parked instead: its row becomes `paused` unclaimed, the task is acknowledged, and resuming puts it on
// the queue again (a retried task would run out of max_retries while it waited).

import { eq } from "drizzle-orm";
import { config } from "../config/config";
import { database, type Db } from "../db/client";
import { campaignTracking } from "../db/campaign-settings";
import {
  claimDelivery,
  erasedPositions,
  findDelivery,
  markSuppressed,
  parkDelivery,
  settleDelivery,
  type DeliveryRef,
  type Settlement,
} from "../db/deliveries";
import { finishJobsStatement } from "../db/job-messages";
import { sendJobs } from "../db/schema";
import { identityKey } from "../domain/identity";
import type { TrackingEvent } from "../domain/events";
import { describePause, pauseChecker } from "../sending/pause-check";
import { log } from "../lib/log";
import { storeDeadLetter } from "./dead-letters";
import { suppressionOf } from "../privacy/suppressed";
import { retryDelaySeconds } from "../config/queues";
import { sesConfig, type RetryPolicy, type SesError } from "../ses/client";
import { sendEmail, type OutboundEmail } from "../ses/send-email";
import { trackingKeyRing } from "../config/tracking-keys";
import { judgeSendFailure, onArrival } from "../sending/delivery-rules";
import { deliveryKey, readSendTask, type SendJob, type SendTask } from "../sending/jobs";
import { composeContextFrom, composeEmail, sendEvent } from "../sending/message";
import { createPacer, REAL_CLOCK, type Clock } from "../sending/pace";
import { recordSendEvents } from "../pipeline/record-sends";
import { effectiveTracking } from "../sending/tracking";

/** Retries belong to the queue here (with delays that do not hold the consumer), not to the HTTP client. */
const NO_RETRY: RetryPolicy = { retries: 0, baseDelayMs: 0, sleep: async () => {} };

function rejectEvent(job: SendJob, task: SendTask, err: SesError, now: number): TrackingEvent {
  return {
    // One per recipient of a job: a redelivered rejection is stored and counted once.
    id: `reject:${task.jobId}:${task.n}`,
    type: "reject",
    campaignId: job.campaignId,
    contactId: identityKey(task.to),
    email: task.to,
    sesMessageId: null,
    occurredAt: now,
    metadata: { source: "send", jobId: job.id, status: err.status, sesError: err.type, reason: err.message },
  };
}

function retryLater(message: Message<unknown>): void {
  message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** One lookup per key per batch: a batch is usually many recipients of one job. */
function memo<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let value = cache.get(key);
    if (!value) cache.set(key, (value = load(key)));
    return value;
  };
}

function deliveryRef(task: SendTask): DeliveryRef {
  return { jobId: task.jobId, recipient: deliveryKey(task.to), email: task.to, position: task.n };
}

/** Settling must not throw once SES has answered: a failed write is logged, and the row keeps its claim. */
async function settle(db: Db, ref: DeliveryRef, attempt: number, outcome: Settlement, now: number): Promise<void> {
  try {
    await settleDelivery(db, ref, attempt, outcome, now);
  } catch (err) {
    log.error("delivery not settled", { jobId: ref.jobId, position: ref.position, outcome, error: String(err) });
  }
}

export async function consumeSends(batch: MessageBatch<unknown>, env: Env, clock: Clock = REAL_CLOCK): Promise<void> {
  const db = database(env.DB);
  const settings = config(env);
  const ring = await trackingKeyRing(settings.tracking);
  const loadJob = memo((id: string) => db.select().from(sendJobs).where(eq(sendJobs.id, id)).get());
  const loadTracking = memo((campaignId: string) => campaignTracking(db, campaignId));
  const pauseOf = pauseChecker(env);
  const ses = sesConfig(settings.ses);
  const pacer = createPacer(settings.sending.ratePerSecond, clock);
  const events: TrackingEvent[] = [];
  const inFlight: Promise<void>[] = [];
  /** Recipients taken by an earlier message of this batch: a task enqueued twice lands here. */
  const taken = new Set<string>();
  /** Why SES is not called again in this batch (throttled, or its answers are being lost); null while it is. */
  let halted: string | null = null;
  /** Jobs this batch worked on: each is checked once at the end, and its message cleared if it has finished. */
  const jobs = new Set<string>();

  const prepare = async (job: SendJob, task: SendTask): Promise<OutboundEmail> => {
    const track = effectiveTracking(await loadTracking(job.campaignId), { opens: job.trackOpens, clicks: job.trackClicks });
    return composeEmail(composeContextFrom(settings, job.origin, ring), {
      campaignId: job.campaignId,
      to: task.to,
      from: job.fromAddress,
      subject: job.subject,
      html: job.html,
      text: job.text,
      replyTo: job.replyTo,
      tags: job.tags,
      track,
    });
  };

  const submit = async (message: Message<unknown>, job: SendJob, task: SendTask, ref: DeliveryRef, attempt: number, email: OutboundEmail) => {
    try {
      const messageId = await sendEmail(ses, email, NO_RETRY);
      events.push(sendEvent({ campaignId: job.campaignId, to: task.to }, messageId, clock.now(), { jobId: job.id }));
      await settle(db, ref, attempt, { state: "sent", sesMessageId: messageId }, clock.now());
      message.ack();
      return;
    } catch (err) {
      const verdict = judgeSendFailure(err);
      const fields = { jobId: job.id, n: task.n, error: String(err) };
      if (verdict.next === "rejected") {
        events.push(rejectEvent(job, task, verdict.error, clock.now()));
        await settle(db, ref, attempt, { state: "rejected", error: verdict.error.message }, clock.now());
        log.info("send rejected by SES", fields);
        message.ack();
      } else if (verdict.next === "unknown") {
        // Whether SES took it is not known: record that, never send it again by ourselves, stop calling SES.
        halted ??= "SES outcome unknown";
        await settle(db, ref, attempt, { state: "unknown", error: verdict.reason }, clock.now());
        log.info("send outcome unknown; not retried", fields);
        message.ack();
      } else {
        if (verdict.throttled) halted ??= "throttled";
        // SES took nothing: the claim goes back (if that write fails, a redelivery finds it `sending`: unknown).
        await settle(db, ref, attempt, { state: "queued" }, clock.now());
        log.info("send will be retried", fields);
        retryLater(message);
      }
    }
  };

  // Everything before a message's SES call is caught per message: once a send has gone out, this handler must
  // not throw, or the whole batch (sent messages too) would be delivered again.
  const take = async (message: Message<unknown>) => {
    const read = readSendTask(message.body);
    const task = read.ok ? read.value : null;
    const job = task ? await loadJob(task.jobId) : undefined;
    if (!task || !job) {
      // Neither will ever become sendable: keep it where it can be read, with why, and stop redelivery.
      await storeDeadLetter(env, batch.queue, message, read.ok ? "send job not found" : read.reason);
      message.ack();
      return;
    }
    jobs.add(job.id);
    if (job.finishedAt !== null) {
      // Its message is gone: only a stray redelivery can get here, and every recipient was settled long before.
      log.info("send skipped: the job has finished", { jobId: job.id, n: task.n });
      message.ack();
      return;
    }
    const ref = deliveryRef(task);
    const id = `${ref.jobId}\n${ref.recipient}`;
    if (taken.has(id)) {
      log.info("send skipped: recipient already taken in this batch", { jobId: job.id, n: task.n });
      message.ack();
      return;
    }
    taken.add(id);
    if (halted) return retryLater(message);
    const found = await findDelivery(db, ref);
    if (!found && (await erasedClaim(db, ref.jobId, task.n))) {
      log.info("send skipped: the recipient was erased", { jobId: job.id, n: task.n });
      message.ack();
      return;
    }
    const arrival = onArrival(found?.state);
    if (arrival === "mark_unknown") {
      await settleDelivery(
        db,
        ref,
        found!.attempts,
        { state: "unknown", error: "a consumer stopped during its SES call; whether SES took it is unknown" },
        clock.now(),
      );
      log.info("send outcome unknown after a consumer stopped mid-call; not retried", { jobId: job.id, n: task.n });
      message.ack();
      return;
    }
    if (arrival === "ack") {
      log.info("send skipped: recipient already handled", { jobId: job.id, n: task.n, state: found!.state });
      message.ack();
      return;
    }
    const pause = await pauseOf(job.campaignId);
    if (pause) {
      await parkDelivery(db, ref, describePause(pause), clock.now());
      log.info("send held: sending is paused", { jobId: job.id, n: task.n, scope: pause.scope, reason: pause.reason });
      message.ack();
      return;
    }
    const suppression = await suppressionOf(settings.privacy, db, task.to, clock.now());
    if (suppression) {
      await markSuppressed(db, ref, suppression.reason, clock.now());
      log.info("send skipped: recipient suppressed", { jobId: job.id, n: task.n, reason: suppression.reason });
      message.ack();
      return;
    }
    // Composing (instrumentation) happens before the slot, so the pace is the pace of calls to SES.
    const email = await prepare(job, task);
    await pacer.next();
    if (halted) return retryLater(message);
    // The claim comes last before the call: a failure up to here leaves the recipient claimable.
    const attempt = await claimDelivery(db, ref, clock.now());
    if (attempt === null) {
      log.info("send skipped: recipient claimed elsewhere", { jobId: job.id, n: task.n });
      message.ack();
      return;
    }
    // Not awaited: SES's latency must not lower the rate; the pacer alone spaces the calls.
    inFlight.push(submit(message, job, task, ref, attempt, email));
  };

  for (const message of batch.messages) {
    try {
      await take(message);
    } catch (err) {
      log.error("send task failed before sending", { message: message.id, error: String(err) });
      retryLater(message);
    }
  }
  await Promise.all(inFlight);
  await recordSendEvents(env, events);
  await finishJobs(db, [...jobs], clock.now());
  await pacer.finish();
}

/** A recipient erased (DELETE /api/contacts/<email>) keeps an anonymised claim at their position: never claimed again. */
async function erasedClaim(db: Db, jobId: string, position: number): Promise<boolean> {
  return (await erasedPositions(db, jobId)).has(position);
}

/** Clears the message of the jobs that have finished; a failure is logged (the cron's sweep clears it later). */
async function finishJobs(db: Db, jobIds: string[], now: number): Promise<void> {
  if (jobIds.length === 0) return;
  try {
    await finishJobsStatement(db, jobIds, now);
  } catch (err) {
    log.error("finished jobs not cleared; the cron will", { jobIds, error: String(err) });
  }
}
