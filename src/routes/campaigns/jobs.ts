// A campaign send job, /api/campaigns/<id>/jobs/<jobId>: where each recipient stands, and the operator's resend.

import { Hono } from "hono";
import * as v from "valibot";
import { config } from "../../config";
import { database, type Db } from "../../db/client";
import { deliveryCounts, unknownDeliveries } from "../../db/deliveries";
import { AppError } from "../../errors";
import { findSendJob, RequeueIncomplete, requeueUnknownRecipients, type SendJobSummary } from "../../sending/jobs";
import { requireSending } from "../../ses/client";
import { validateWith } from "../body";
import { decodeCursor, pageQuery, readPage } from "../pagination";
import { jobParams } from "./params";
import type { AppEnv } from "../../app-env";

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
campaignJobs.get("/:id/jobs/:jobId", async (c) => {
  const { campaignId, jobId } = jobParams(c);
  const query = validateWith(JobQuery, c.req.query());
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
    counts,
    unknown: unknown.items.map((d) => ({ to: d.email, position: d.position, attempts: d.attempts, error: d.error, since: iso(d.updatedAt) })),
    // The page of `unknown`: `cursor` as every list names it, `nextCursor` as this report first did.
    cursor: unknown.cursor,
    nextCursor: unknown.cursor,
  });
});

campaignJobs.post("/:id/jobs/:jobId/resend-unknown", async (c) => {
  const { campaignId, jobId } = jobParams(c);
  const db = database(c.env.DB);
  await existingJob(db, campaignId, jobId);
  requireSending(config(c.env).ses);
  try {
    return c.json({ campaignId, jobId, requeued: await requeueUnknownRecipients(db, c.env.SEND_QUEUE, jobId) }, 202);
  } catch (err) {
    if (!(err instanceof RequeueIncomplete)) throw err;
    throw new AppError(
      "send_incomplete",
      `queued ${err.requeued} of ${err.requeued + err.unknown} unknown recipients again; call again for the rest`,
      {
        campaignId,
        jobId,
        requeued: err.requeued,
        unknown: err.unknown,
        reason: String(err.cause),
      },
    );
  }
});
