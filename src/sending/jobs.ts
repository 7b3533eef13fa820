// Accepting a campaign send: the message stored once in D1, one small queue message per recipient.

import { chunk } from "../db/chunk";
import type { Db } from "../db/client";
import { sendJobs } from "../db/schema";
import { normalizeEmail } from "../domain/email";
import type { TrackSwitches } from "../tracking/instrument";
import type { CampaignSendRequest } from "./schemas";

/** What travels the send queue for one recipient. `n` is the recipient's position in the request. */
export interface SendTask {
  v: 1;
  jobId: string;
  to: string;
  n: number;
}

/** Queues' sendBatch takes at most 100 messages (and 256 KB; a task is well under 1 KB). */
export const SEND_BATCH_SIZE = 100;

export function parseSendTask(body: unknown): SendTask | null {
  if (typeof body !== "object" || body === null) return null;
  const t = body as Partial<SendTask>;
  if (t.v !== 1 || typeof t.jobId !== "string" || typeof t.to !== "string" || typeof t.n !== "number") return null;
  return t as SendTask;
}

/** One task per distinct recipient (by normalised address): a list that names someone twice mails them once. */
export function sendTasks(jobId: string, recipients: readonly { to: string }[]): { tasks: SendTask[]; duplicates: number } {
  const seen = new Set<string>();
  const tasks: SendTask[] = [];
  recipients.forEach(({ to }, n) => {
    const key = normalizeEmail(to);
    if (seen.has(key)) return;
    seen.add(key);
    tasks.push({ v: 1, jobId, to, n });
  });
  return { tasks, duplicates: recipients.length - tasks.length };
}

export async function createSendJob(
  db: Db,
  queue: Queue,
  campaignId: string,
  origin: string,
  body: CampaignSendRequest,
  /** The send's own switches; the honeypot follows the campaign's setting when each message goes out. */
  track: Pick<TrackSwitches, "opens" | "clicks">,
  now = Date.now(),
): Promise<{ jobId: string; queued: number; duplicates: number }> {
  const jobId = crypto.randomUUID();
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
  // The job row exists before any task can reach the consumer.
  await db.insert(sendJobs).values(row);
  for (const part of chunk(tasks, SEND_BATCH_SIZE)) {
    await queue.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
  }
  return { jobId, queued: tasks.length, duplicates };
}

export type SendJob = typeof sendJobs.$inferSelect;
