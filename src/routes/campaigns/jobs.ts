// A campaign send job, /api/campaigns/<id>/jobs/<jobId>: where each recipient stands, and the operator's resend.

import { Hono } from "hono";
import * as v from "valibot";
import { config } from "../../config/config";
import { database, type Db } from "../../db/client";
import { deliveryCounts, unknownDeliveries } from "../../db/deliveries";
import { AppError } from "../../lib/errors";
import { findSendJob, RequeueIncomplete, requeueRecipients, type SendJobSummary } from "../../sending/jobs";
import { requireSending } from "../../ses/client";
import { Requeue, SendJob } from "../../domain/api-contract";
import { doc, INPUT } from "../describe";
import { query } from "../validate";
import { decodeCursor, pageQuery, readPage } from "../pagination";
import { jobParams } from "./params";
import type { AppEnv } from "../app-env";

const JobQuery = pageQuery(100, 1000);
const UnknownCursor = v.object({ after: v.pipe(v.number(), v.integer()) });

export const campaignJobs = new Hono<AppEnv>();

const iso = (ms: number) => new Date(ms).toISOString();

async function existingJob(db: Db, campaignId: string, jobId: string): Promise<SendJobSummary> {
  const job = await findSendJob(db, campaignId, jobId);
  if (!job) throw new AppError("not_found", `campaign ${campaignId} has no send job ${jobId}`);
  return job;
}

/** Counts per delivery state, and the `unknown` recipients (paged in list order): the ones an operator may resend. */
campaignJobs.get(
  "/:id/jobs/:jobId",
  doc({
    tag: "Sending",
    summary: "A send job: counts per delivery state, and its unknown recipients (paged)",
    ok: { schema: SendJob },
    errors: [...INPUT, "not_found"],
  }),
  jobParams,
  query(JobQuery),
  async (c) => {
    const { id: campaignId, jobId } = c.req.valid("param");
    const query = c.req.valid("query");
    const after = decodeCursor(query.cursor, UnknownCursor)?.after ?? -1;
    const db = database(c.env.DB);
    const job = await existingJob(db, campaignId, jobId);
    const [counts, unknown] = await Promise.all([
      deliveryCounts(db, jobId),
      readPage(
        query.limit,
        (rows) => unknownDeliveries(db, jobId, after, rows),
        (last) => ({ after: last.position }),
      ),
    ]);
    return c.json({
      campaignId,
      jobId,
      createdAt: iso(job.createdAt),
      recipients: job.recipients,
      enqueued: job.enqueued,
      finishedAt: job.finishedAt === null ? null : iso(job.finishedAt),
      counts,
      unknown: unknown.items.map((d) => ({ to: d.email, position: d.position, attempts: d.attempts, error: d.error, since: iso(d.updatedAt) })),
      // The page of `unknown`: `cursor` as every list names it, `nextCursor` as this report first did.
      cursor: unknown.cursor,
      nextCursor: unknown.cursor,
    });
  },
);

/** What each operator action puts back on the queue, and how its answers name them. */
const REQUEUE_ACTIONS = {
  "resend-unknown": { from: "unknown", words: "unknown recipients", field: "unknown" },
  "send-dead-lettered": { from: "dead_lettered", words: "dead-lettered recipients", field: "deadLettered" },
} as const;

/** POST /api/campaigns/<campaignId>/jobs/<jobId>/<action>. */
function requeueRoute(action: keyof typeof REQUEUE_ACTIONS, summary: string): void {
  const { from, words, field } = REQUEUE_ACTIONS[action];
  const errors = [...INPUT, "not_found", "conflict", "unavailable", "send_incomplete"] as const;
  campaignJobs.post(
    `/:id/jobs/:jobId/${action}`,
    doc({ tag: "Sending", summary, ok: { status: 202, schema: Requeue }, errors }),
    jobParams,
    async (c) => {
      const { id: campaignId, jobId } = c.req.valid("param");
      const db = database(c.env.DB);
      const job = await existingJob(db, campaignId, jobId);
      requireSending(config(c.env).ses);
      // A finished job has none of them, unless its message was cleared 14 days after it began: too late to send.
      if (job.finishedAt !== null && (await deliveryCounts(db, jobId))[from] > 0) {
        throw new AppError("conflict", `this job's message is no longer kept (cleared 14 days after the job began): send its ${words} a new job`, {
          campaignId,
          jobId,
        });
      }
      try {
        return c.json({ campaignId, jobId, requeued: await requeueRecipients(db, c.env.SEND_QUEUE, jobId, from) }, 202);
      } catch (err) {
        if (!(err instanceof RequeueIncomplete)) throw err;
        throw new AppError("send_incomplete", `queued ${err.requeued} of ${err.requeued + err.left} ${words} again; call again for the rest`, {
          campaignId,
          jobId,
          requeued: err.requeued,
          [field]: err.left,
          reason: String(err.cause),
        });
      }
    },
  );
}

/** The operator's choice to send the `unknown` recipients again: someone may get a second copy. */
requeueRoute("resend-unknown", "Send the job's unknown recipients again (the operator's choice: someone may get a second copy)");
/** The operator's choice to send the `dead_lettered` recipients: their tasks never reached SES. */
requeueRoute("send-dead-lettered", "Send the job's dead-lettered recipients (their tasks never reached SES)");
