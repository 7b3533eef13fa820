// Accepting a campaign send: the message stored once in D1, each recipient claimed, one small queue message each.

import { and, eq, sql } from "drizzle-orm";
import * as v from "valibot";
import { chunk } from "../lib/chunk";
import { runBatch, type Db } from "../db/client";
import { erasedPositions, insertQueuedStatements, requeueDeadLettered, requeueUnknown, unqueue } from "../db/deliveries";
import { sendJobs } from "../db/schema";
import { identityKey } from "../domain/identity";
import { checkWith, type Checked } from "../domain/schemas";
import { errorFields, log } from "../lib/log";
import type { TrackSwitches } from "../domain/track-switches";
import { JobId, Recipient, type CampaignSendRequest } from "./schemas";
import { fail } from "../domain/result";

/** What travels the send queue for one recipient. `n` is the recipient's position in the request. */
export interface SendTask {
  v: 1;
  jobId: string;
  to: string;
  n: number;
}

/** Queues' sendBatch takes at most 100 messages (and 256 KB; a task is well under 1 KB). */
export const SEND_BATCH_SIZE = 100;

/** A send queue message, checked with the schemas the API checked its job and recipient with. */
const SendTaskSchema: v.GenericSchema<unknown, SendTask> = v.object({
  v: v.literal(1, "must be 1"),
  jobId: JobId,
  to: Recipient,
  n: v.pipe(v.number("must be a position"), v.integer("must be a position"), v.minValue(0, "must be a position")),
});

/** An unknown queue body as a send task, or why it is not one (kept as a dead letter with that reason). */
export function readSendTask(body: unknown): Checked<SendTask> {
  const checked = checkWith(SendTaskSchema, body);
  return checked.ok ? checked : fail(`not a send task: ${checked.reason}`);
}

/**
 * The key a recipient is claimed under, computed as suppression matching computes its key (SQLite's lower() of the
 * normalised address: ASCII letters lower-cased), so that `Ann@x` and `ann@x` in one list are one person, mailed once.
 */
export function deliveryKey(address: string): string {
  return identityKey(address);
}

/** One task per distinct recipient (by delivery key): a list that names someone twice mails them once. */
export function sendTasks(jobId: string, recipients: readonly { to: string }[]): { tasks: SendTask[]; duplicates: number } {
  const seen = new Set<string>();
  const tasks: SendTask[] = [];
  recipients.forEach(({ to }, n) => {
    const key = deliveryKey(to);
    if (seen.has(key)) return;
    seen.add(key);
    tasks.push({ v: 1, jobId, to, n });
  });
  return { tasks, duplicates: recipients.length - tasks.length };
}

/** Enqueueing stopped part-way: `queued` of `recipients` tasks are on the queue; repeating the request resumes. */
export class SendIncomplete extends Error {
  constructor(
    readonly jobId: string,
    readonly queued: number,
    readonly recipients: number,
    cause: unknown,
  ) {
    super(`queued ${queued} of ${recipients} recipients of job ${jobId}: ${String(cause)}`, { cause });
    this.name = "SendIncomplete";
  }
}

/**
 * Create the job (or, given the `jobId` of one created before, resume it) and put on the queue the tasks not
 * yet there. The job and its recipients' `queued` claims are written in one transaction, skipping what exists;
 * the count of enqueued tasks advances after each sendBatch, so a repeat enqueues only the rest. A chunk sent
 * whose count was not written goes out again on a repeat, and the consumer's claim drops the second copy.
 */
export async function createSendJob(
  db: Db,
  queue: Queue,
  campaignId: string,
  origin: string,
  body: CampaignSendRequest,
  /** The send's own switches; the honeypot follows the campaign's setting when each message goes out. */
  track: Pick<TrackSwitches, "opens" | "clicks">,
  options: { jobId?: string; now?: number } = {},
): Promise<{ jobId: string; queued: number; duplicates: number }> {
  const jobId = options.jobId ?? crypto.randomUUID();
  const now = options.now ?? Date.now();
  const { tasks, duplicates } = sendTasks(jobId, body.recipients);
  const replyTo = body.replyTo === undefined ? null : Array.isArray(body.replyTo) ? body.replyTo : [body.replyTo];
  const row: typeof sendJobs.$inferInsert = {
    id: jobId,
    campaignId,
    origin,
    fromAddress: body.from,
    replyTo,
    subject: body.subject,
    html: body.html ?? null,
    text: body.text ?? null,
    tags: body.tags ?? null,
    trackOpens: track.opens,
    trackClicks: track.clicks,
    recipients: tasks.length,
    createdAt: now,
  };
  // A job resumed after one of its recipients was erased never claims them again (their task finds no claim).
  const erased = await erasedPositions(db, jobId);
  const claims = tasks.filter((t) => !erased.has(t.n)).map((t) => ({ recipient: deliveryKey(t.to), email: t.to, position: t.n }));
  // The job row and the claims exist before any task can reach the consumer.
  await runBatch(db, [db.insert(sendJobs).values(row).onConflictDoNothing(), ...insertQueuedStatements(db, jobId, claims, now)]);
  const stored = await db.select({ enqueued: sendJobs.enqueued }).from(sendJobs).where(eq(sendJobs.id, jobId)).get();
  let enqueued = Math.min(stored?.enqueued ?? 0, tasks.length);
  try {
    for (const part of chunk(tasks.slice(enqueued), SEND_BATCH_SIZE)) {
      await queue.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
      enqueued += part.length;
      // Never backwards: a request that took over a stale key may run beside the one it presumed dead.
      await db
        .update(sendJobs)
        .set({ enqueued: sql`max(${sendJobs.enqueued}, ${enqueued})` })
        .where(eq(sendJobs.id, jobId));
    }
  } catch (err) {
    throw new SendIncomplete(jobId, enqueued, tasks.length, err);
  }
  return { jobId, queued: tasks.length, duplicates };
}

export type SendJob = typeof sendJobs.$inferSelect;

export interface SendJobSummary {
  id: string;
  recipients: number;
  enqueued: number;
  createdAt: number;
  /** When its message was cleared (every recipient settled, or 14 days after it began); null while it is kept. */
  finishedAt: number | null;
}

/** The job's summary, if `jobId` is a job of `campaignId`. */
export function findSendJob(db: Db, campaignId: string, jobId: string): Promise<SendJobSummary | undefined> {
  return db
    .select({
      id: sendJobs.id,
      recipients: sendJobs.recipients,
      enqueued: sendJobs.enqueued,
      createdAt: sendJobs.createdAt,
      finishedAt: sendJobs.finishedAt,
    })
    .from(sendJobs)
    .where(and(eq(sendJobs.id, jobId), eq(sendJobs.campaignId, campaignId)))
    .get();
}

/** Queueing the requeued recipients stopped part-way: `requeued` of them are on the queue, `left` are back where they were. */
export class RequeueIncomplete extends Error {
  constructor(
    readonly requeued: number,
    readonly left: number,
    cause: unknown,
  ) {
    super(`requeued ${requeued} of ${requeued + left} recipients: ${String(cause)}`, { cause });
    this.name = "RequeueIncomplete";
  }
}

/** The states an operator may put back on the queue, and how each is taken atomically. */
const REQUEUE_FROM = { unknown: requeueUnknown, dead_lettered: requeueDeadLettered } as const;

/**
 * The operator's explicit choice to send a job's `unknown` recipients again (some may get a second copy: that is
 * the choice), or its `dead_lettered` ones (their tasks never reached SES). Each is claimed back to `queued`
 * atomically and queued once per call; the consumer's claim still guards every send. What cannot be queued goes back
 * to the state it came from (RequeueIncomplete says how many went).
 */
export async function requeueRecipients(db: Db, queue: Queue, jobId: string, from: keyof typeof REQUEUE_FROM, now = Date.now()): Promise<number> {
  const requeued = await REQUEUE_FROM[from](db, jobId, now);
  const tasks: SendTask[] = requeued.map((d) => ({ v: 1, jobId, to: d.email, n: d.position }));
  let queued = 0;
  try {
    for (const part of chunk(tasks, SEND_BATCH_SIZE)) {
      await queue.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
      queued += part.length;
    }
  } catch (err) {
    const left = requeued.slice(queued);
    await unqueue(
      db,
      jobId,
      left.map((d) => d.recipient),
      Date.now(),
      from,
    ).catch((unqueueErr: unknown) => {
      log.error(`requeued deliveries not given back to ${from}`, { jobId, positions: left.map((d) => d.position), ...errorFields(unqueueErr) });
    });
    throw new RequeueIncomplete(queued, tasks.length - queued, err);
  }
  return queued;
}
