// The send queue consumer: one recipient per message, paced under SEND_RATE_PER_SECOND, suppressed ones skipped.
//
// Outcomes per message: sent → a `send` event and ack; suppressed → logged and ack (nothing sent, nothing
// counted); rejected by SES (a 4xx such as MessageRejected) → a `reject` event carrying SES's reason, and ack, since
// sending again would be rejected again; throttled, 5xx or network → retried with a growing delay, and after
// max_retries kept in the dead-letter table. Once SES throttles, the rest of the batch is retried rather than sent.

import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { campaignTracking } from "../db/campaign-settings";
import { sendJobs } from "../db/schema";
import { findSuppression } from "../db/suppressions";
import { normalizeEmail } from "../domain/email";
import type { TrackingEvent } from "../domain/events";
import { enqueueEvents } from "../pipeline/enqueue";
import { storeDeadLetter } from "../pipeline/dead-letters";
import { retryDelaySeconds } from "../pipeline/queues";
import { SesError, sesConfig, type RetryPolicy } from "../ses/client";
import { sendEmail, type OutboundEmail } from "../ses/send-email";
import { keyRing } from "../tracking/keys";
import { parseSendTask, type SendJob, type SendTask } from "./jobs";
import { composeContextFrom, composeEmail, sendEvent } from "./message";
import { createPacer, REAL_CLOCK, sendRate, type Clock } from "./pace";
import { effectiveTracking } from "./tracking";

/** Retries belong to the queue here (with delays that do not hold the consumer), not to the HTTP client. */
const NO_RETRY: RetryPolicy = { retries: 0, baseDelayMs: 0, sleep: async () => {} };

function rejectEvent(job: SendJob, task: SendTask, err: SesError, now: number): TrackingEvent {
  return {
    // One per recipient of a job: a redelivered rejection is stored and counted once.
    id: `reject:${task.jobId}:${task.n}`,
    type: "reject",
    campaignId: job.campaignId,
    contactId: normalizeEmail(task.to),
    email: task.to,
    sesMessageId: null,
    occurredAt: now,
    metadata: { source: "send", jobId: job.id, status: err.status, sesError: err.type, reason: err.message },
  };
}

function log(msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ msg, ...fields }));
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

export async function consumeSends(batch: MessageBatch<unknown>, env: Env, clock: Clock = REAL_CLOCK): Promise<void> {
  const db = database(env.DB);
  const ring = await keyRing(env.TRACKING_KEYS);
  const loadJob = memo((id: string) => db.select().from(sendJobs).where(eq(sendJobs.id, id)).get());
  const loadTracking = memo((campaignId: string) => campaignTracking(db, campaignId));
  const config = sesConfig(env);
  const pacer = createPacer(sendRate(env.SEND_RATE_PER_SECOND), clock);
  const events: TrackingEvent[] = [];
  const inFlight: Promise<void>[] = [];
  let throttled = false;

  const prepare = async (job: SendJob, task: SendTask): Promise<OutboundEmail> => {
    const track = effectiveTracking(await loadTracking(job.campaignId), { opens: job.trackOpens, clicks: job.trackClicks });
    return composeEmail(composeContextFrom(env, job.origin, ring), {
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

  const submit = async (message: Message<unknown>, job: SendJob, task: SendTask, email: OutboundEmail) => {
    try {
      const messageId = await sendEmail(config, email, NO_RETRY);
      events.push(sendEvent({ campaignId: job.campaignId, to: task.to }, messageId, clock.now(), { jobId: job.id }));
      message.ack();
    } catch (err) {
      if (err instanceof SesError && !err.retryable && err.status !== 401 && err.status !== 403) {
        events.push(rejectEvent(job, task, err, clock.now()));
        log("send rejected by SES", { jobId: job.id, n: task.n, status: err.status, type: err.type, reason: err.message });
        message.ack();
        return;
      }
      // Throttling, 5xx, network, refused credentials (an operator can fix them): try again later.
      if (err instanceof SesError && err.status === 429) throttled = true;
      log("send will be retried", { jobId: job.id, n: task.n, error: String(err) });
      retryLater(message);
    }
  };

  // Everything before a message's SES call is caught per message: once a send has gone out, this handler must
  // not throw, or the whole batch (sent messages too) would be delivered again.
  const take = async (message: Message<unknown>) => {
    const task = parseSendTask(message.body);
    const job = task ? await loadJob(task.jobId) : undefined;
    if (!task || !job) {
      // Neither will ever become sendable: keep it where it can be read, and stop redelivery.
      await storeDeadLetter(env, batch.queue, message, task ? "send job not found" : "not a send task");
      message.ack();
      return;
    }
    if (throttled) return retryLater(message);
    const suppression = await findSuppression(db, task.to, clock.now());
    if (suppression) {
      log("send skipped: recipient suppressed", { jobId: job.id, n: task.n, reason: suppression.reason });
      message.ack();
      return;
    }
    // Composing (instrumentation) happens before the slot, so the pace is the pace of calls to SES.
    const email = await prepare(job, task);
    await pacer.next();
    if (throttled) return retryLater(message);
    // Not awaited: SES's latency must not lower the rate; the pacer alone spaces the calls.
    inFlight.push(submit(message, job, task, email));
  };

  for (const message of batch.messages) {
    try {
      await take(message);
    } catch (err) {
      console.error(JSON.stringify({ msg: "send task failed before sending", message: message.id, error: String(err) }));
      retryLater(message);
    }
  }
  await Promise.all(inFlight);
  // The mail is out: a failure to record it must not send it again, so it is logged with the events, never retried.
  try {
    await enqueueEvents(env.EVENTS, events);
  } catch (err) {
    console.error(JSON.stringify({ msg: "send events not enqueued", events, error: String(err) }));
  }
  await pacer.finish();
}
