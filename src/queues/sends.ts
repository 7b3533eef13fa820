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
import { errorFields, log } from "../lib/log";
import { storeDeadLetter } from "./dead-letters";
import { suppressionOf } from "../privacy/suppressed";
import { retryDelaySeconds } from "../config/queues";
import { sesConfig, type RetryPolicy, type SesError } from "../ses/client";
import { sendEmail, type OutboundEmail } from "../ses/send-email";
import { trackingKeyRing } from "../config/tracking-keys";
import { judgeSendFailure, onArrival } from "../sending/delivery-rules";
import { deliveryKey, readSendTask, type SendJob, type SendTask } from "../sending/jobs";
import { composeContextFrom, composeEmail, sendEvent } from "../sending/message";
import { type Clock, REAL_CLOCK } from "../lib/clock";
import { memo } from "../lib/promise-cache";
import { createPacer } from "../sending/pace";
import { retryLater } from "./retry";
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

function deliveryRef(task: SendTask): DeliveryRef {
  return { jobId: task.jobId, recipient: deliveryKey(task.to), email: task.to, position: task.n };
}

/** Settling must not throw once SES has answered: a failed write is logged, and the row keeps its claim. */
async function settle(db: Db, ref: DeliveryRef, attempt: number, outcome: Settlement, now: number): Promise<void> {
  try {
    await settleDelivery(db, ref, attempt, outcome, now);
  } catch (err) {
    log.error("delivery not settled", { jobId: ref.jobId, position: ref.position, outcome, ...errorFields(err) });
  }
}

/** What the messages of one batch share: settings and lookups read once, the pacer, and what they have done so far. */
interface SendBatch {
  env: Env;
  queue: string;
  clock: Clock;
  db: Db;
  settings: ReturnType<typeof config>;
  ring: Awaited<ReturnType<typeof trackingKeyRing>>;
  loadJob: (id: string) => Promise<SendJob | undefined>;
  loadTracking: (campaignId: string) => ReturnType<typeof campaignTracking>;
  pauseOf: ReturnType<typeof pauseChecker>;
  ses: ReturnType<typeof sesConfig>;
  pacer: ReturnType<typeof createPacer>;
  events: TrackingEvent[];
  inFlight: Promise<void>[];
  /** Recipients taken by an earlier message of this batch: a task enqueued twice lands here. */
  taken: Set<string>;
  /** Why SES is not called again in this batch (throttled, or its answers are being lost); null while it is. */
  halted: string | null;
  /** Jobs this batch worked on: each is checked once at the end, and its message cleared if it has finished. */
  jobs: Set<string>;
}

/** One message on its way: its task, the job it belongs to, and the recipient's delivery row. */
interface Take {
  message: Message<unknown>;
  task: SendTask;
  job: SendJob;
  ref: DeliveryRef;
}

export async function consumeSends(batch: MessageBatch<unknown>, env: Env, clock: Clock = REAL_CLOCK): Promise<void> {
  const run = await openBatch(batch, env, clock);
  for (const message of batch.messages) {
    try {
      await take(run, message);
    } catch (err) {
      log.error("send task failed before sending", { message: message.id, ...errorFields(err) });
      retryLater(message);
    }
  }
  await closeBatch(run);
}

async function openBatch(batch: MessageBatch<unknown>, env: Env, clock: Clock): Promise<SendBatch> {
  const db = database(env.DB);
  const settings = config(env);
  return {
    env,
    queue: batch.queue,
    clock,
    db,
    settings,
    ring: await trackingKeyRing(settings.tracking),
    loadJob: memo((id: string) => db.select().from(sendJobs).where(eq(sendJobs.id, id)).get()),
    loadTracking: memo((campaignId: string) => campaignTracking(db, campaignId)),
    pauseOf: pauseChecker(env),
    ses: sesConfig(settings.ses),
    pacer: createPacer(settings.sending.ratePerSecond, clock),
    events: [],
    inFlight: [],
    taken: new Set(),
    halted: null,
    jobs: new Set(),
  };
}

/** Waits for the calls still out, then records their events and clears the jobs that have finished. */
async function closeBatch(run: SendBatch): Promise<void> {
  await Promise.all(run.inFlight);
  await recordSendEvents(run.env, run.events);
  await finishJobs(run.db, [...run.jobs], run.clock.now());
  await run.pacer.finish();
}

/**
 * One message, step by step; each step either settles the message (and the rest are skipped) or lets it go on.
 * Everything before a message's SES call is caught per message: once a send has gone out, this handler must
 * not throw, or the whole batch (sent messages too) would be delivered again.
 */
async function take(run: SendBatch, message: Message<unknown>): Promise<void> {
  const t = await readTake(run, message);
  if (!t) return;
  run.jobs.add(t.job.id);
  if (skipFinishedJob(t) || skipTakenInBatch(run, t)) return;
  if (run.halted) return retryLater(message);
  if (await skipHandledDelivery(run, t)) return;
  if (await holdWhilePaused(run, t)) return;
  if (await skipSuppressed(run, t)) return;
  // Composing (instrumentation) happens before the slot, so the pace is the pace of calls to SES.
  const email = await compose(run, t);
  await run.pacer.next();
  if (run.halted) return retryLater(message);
  // The claim comes last before the call: a failure up to here leaves the recipient claimable.
  const attempt = await claim(run, t);
  if (attempt === null) return;
  // Not awaited: SES's latency must not lower the rate; the pacer alone spaces the calls.
  run.inFlight.push(submit(run, t, attempt, email));
}

/** The message's task and job; one that will never become sendable is dead-lettered (with why) and acknowledged. */
async function readTake(run: SendBatch, message: Message<unknown>): Promise<Take | null> {
  const read = readSendTask(message.body);
  const task = read.ok ? read.value : null;
  const job = task ? await run.loadJob(task.jobId) : undefined;
  if (!task || !job) {
    // Neither will ever become sendable: keep it where it can be read, with why, and stop redelivery.
    await storeDeadLetter(run.env, run.queue, message, read.ok ? "send job not found" : read.reason);
    message.ack();
    return null;
  }
  return { message, task, job, ref: deliveryRef(task) };
}

function skipFinishedJob({ message, task, job }: Take): boolean {
  if (job.finishedAt === null) return false;
  // Its message is gone: only a stray redelivery can get here, and every recipient was settled long before.
  log.info("send skipped: the job has finished", { jobId: job.id, n: task.n });
  message.ack();
  return true;
}

function skipTakenInBatch(run: SendBatch, { message, task, job, ref }: Take): boolean {
  const id = `${ref.jobId}\n${ref.recipient}`;
  if (run.taken.has(id)) {
    log.info("send skipped: recipient already taken in this batch", { jobId: job.id, n: task.n });
    message.ack();
    return true;
  }
  run.taken.add(id);
  return false;
}

/** A recipient whose row is erased or settled is acknowledged; one left `sending` by a stopped consumer is unknown. */
async function skipHandledDelivery(run: SendBatch, { message, task, job, ref }: Take): Promise<boolean> {
  const found = await findDelivery(run.db, ref);
  if (!found && (await erasedClaim(run.db, ref.jobId, task.n))) {
    log.info("send skipped: the recipient was erased", { jobId: job.id, n: task.n });
    message.ack();
    return true;
  }
  const arrival = onArrival(found?.state);
  if (arrival === "mark_unknown") {
    await settleDelivery(
      run.db,
      ref,
      found!.attempts,
      { state: "unknown", error: "a consumer stopped during its SES call; whether SES took it is unknown" },
      run.clock.now(),
    );
    log.info("send outcome unknown after a consumer stopped mid-call; not retried", { jobId: job.id, n: task.n });
    message.ack();
    return true;
  }
  if (arrival === "ack") {
    log.info("send skipped: recipient already handled", { jobId: job.id, n: task.n, state: found!.state });
    message.ack();
    return true;
  }
  return false;
}

/** While sending is paused the row is parked unclaimed and the task acknowledged: resuming enqueues it again. */
async function holdWhilePaused(run: SendBatch, { message, task, job, ref }: Take): Promise<boolean> {
  const pause = await run.pauseOf(job.campaignId);
  if (!pause) return false;
  await parkDelivery(run.db, ref, describePause(pause), run.clock.now());
  log.info("send held: sending is paused", { jobId: job.id, n: task.n, scope: pause.scope, reason: pause.reason });
  message.ack();
  return true;
}

async function skipSuppressed(run: SendBatch, { message, task, job, ref }: Take): Promise<boolean> {
  const suppression = await suppressionOf(run.settings.privacy, run.db, task.to, run.clock.now());
  if (!suppression) return false;
  await markSuppressed(run.db, ref, suppression.reason, run.clock.now());
  log.info("send skipped: recipient suppressed", { jobId: job.id, n: task.n, reason: suppression.reason });
  message.ack();
  return true;
}

async function compose(run: SendBatch, { task, job }: Take): Promise<OutboundEmail> {
  const track = effectiveTracking(await run.loadTracking(job.campaignId), { opens: job.trackOpens, clicks: job.trackClicks });
  return composeEmail(composeContextFrom(run.settings, job.origin, run.ring), {
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
}

/** Claims the row (`queued` → `sending`) for this attempt; null, and the task acknowledged, if another has it. */
async function claim(run: SendBatch, { message, task, job, ref }: Take): Promise<number | null> {
  const attempt = await claimDelivery(run.db, ref, run.clock.now());
  if (attempt === null) {
    log.info("send skipped: recipient claimed elsewhere", { jobId: job.id, n: task.n });
    message.ack();
  }
  return attempt;
}

/**
 * The SES call, and the outcome recorded on the row it claimed; never throws. A throw while recording a send is
 * judged like any error that is not SES's answer: unknown, so never sent again.
 */
async function submit(run: SendBatch, t: Take, attempt: number, email: OutboundEmail): Promise<void> {
  try {
    await recordSent(run, t, attempt, await sendEmail(run.ses, email, NO_RETRY));
  } catch (err) {
    await recordFailure(run, t, attempt, err);
  }
}

async function recordSent(run: SendBatch, { message, task, job, ref }: Take, attempt: number, messageId: string): Promise<void> {
  run.events.push(sendEvent({ campaignId: job.campaignId, to: task.to }, messageId, run.clock.now(), { jobId: job.id }));
  await settle(run.db, ref, attempt, { state: "sent", sesMessageId: messageId }, run.clock.now());
  message.ack();
}

/** Rejected: settled, not retried. Unknown: recorded, never sent again by us, SES not called again. Else: retried. */
async function recordFailure(run: SendBatch, { message, task, job, ref }: Take, attempt: number, err: unknown): Promise<void> {
  const verdict = judgeSendFailure(err);
  const fields = { jobId: job.id, n: task.n, ...errorFields(err) };
  if (verdict.next === "rejected") {
    run.events.push(rejectEvent(job, task, verdict.error, run.clock.now()));
    await settle(run.db, ref, attempt, { state: "rejected", error: verdict.error.message }, run.clock.now());
    log.info("send rejected by SES", fields);
    message.ack();
  } else if (verdict.next === "unknown") {
    // Whether SES took it is not known: record that, never send it again by ourselves, stop calling SES.
    run.halted ??= "SES outcome unknown";
    await settle(run.db, ref, attempt, { state: "unknown", error: verdict.reason }, run.clock.now());
    log.info("send outcome unknown; not retried", fields);
    message.ack();
  } else {
    if (verdict.throttled) run.halted ??= "throttled";
    // SES took nothing: the claim goes back (if that write fails, a redelivery finds it `sending`: unknown).
    await settle(run.db, ref, attempt, { state: "queued" }, run.clock.now());
    log.info("send will be retried", fields);
    retryLater(message);
  }
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
    log.error("finished jobs not cleared; the cron will", { jobIds, ...errorFields(err) });
  }
}
