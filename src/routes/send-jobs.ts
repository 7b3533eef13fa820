// A campaign send job under /api/campaigns/<id>/jobs/<jobId>: where each recipient stands, and the operator's resend.

import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import * as v from "valibot";
import { chunk } from "../db/chunk";
import { database, type Db } from "../db/client";
import { deliveryCounts, requeueUnknown, unknownDeliveries, unqueue } from "../db/deliveries";
import { sendJobs } from "../db/schema";
import { CampaignId } from "../domain/schemas";
import { AppError } from "../errors";
import { SEND_BATCH_SIZE, type SendTask } from "../sending/jobs";
import { validateWith } from "./body";
import { decodeCursor, page } from "./pagination";
import { pageLimit } from "./query";
import type { AppEnv } from "../app-env";

const JobId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/, "must be a job id"));
const JobQuery = v.object({ cursor: v.optional(v.string()), limit: pageLimit(100, 1000) });
const UnknownCursor = v.object({ after: v.pipe(v.number(), v.integer()) });

export const sendJobsApi = new Hono<AppEnv>();

async function findJob(db: Db, campaignId: string, jobId: string) {
  const job = await db
    .select({ id: sendJobs.id, recipients: sendJobs.recipients, enqueued: sendJobs.enqueued, createdAt: sendJobs.createdAt })
    .from(sendJobs)
    .where(and(eq(sendJobs.id, jobId), eq(sendJobs.campaignId, campaignId)))
    .get();
  if (!job) throw new AppError("not_found", `campaign ${campaignId} has no send job ${jobId}`);
  return job;
}

function params(raw: { id: string; jobId: string }) {
  return validateWith(v.object({ campaignId: CampaignId, jobId: JobId }), { campaignId: raw.id, jobId: raw.jobId });
}

/** Counts per delivery state, and the `unknown` recipients (paged in list order): the ones an operator may resend. */
sendJobsApi.get("/campaigns/:id/jobs/:jobId", async (c) => {
  const { campaignId, jobId } = params(c.req.param());
  const query = validateWith(JobQuery, c.req.query());
  const after = decodeCursor(query.cursor, UnknownCursor)?.after ?? -1;
  const db = database(c.env.DB);
  const job = await findJob(db, campaignId, jobId);
  const [counts, rows] = await Promise.all([deliveryCounts(db, jobId), unknownDeliveries(db, jobId, after, query.limit + 1)]);
  const { items, cursor } = page(rows, query.limit, (last) => ({ after: last.position }));
  return c.json({
    campaignId,
    jobId,
    createdAt: new Date(job.createdAt).toISOString(),
    recipients: job.recipients,
    enqueued: job.enqueued,
    counts,
    unknown: items.map((d) => ({
      to: d.email,
      position: d.position,
      attempts: d.attempts,
      error: d.error,
      since: new Date(d.updatedAt).toISOString(),
    })),
    nextCursor: cursor,
  });
});

/**
 * The operator's explicit choice to send the `unknown` recipients again (some may get a second copy: that is
 * the choice). Each is claimed back to `queued` atomically and queued once per call; the consumer's claim still
 * guards every send. What cannot be queued goes back to `unknown`.
 */
sendJobsApi.post("/campaigns/:id/jobs/:jobId/resend-unknown", async (c) => {
  const { campaignId, jobId } = params(c.req.param());
  const db = database(c.env.DB);
  await findJob(db, campaignId, jobId);
  const requeued = await requeueUnknown(db, jobId, Date.now());
  const tasks: SendTask[] = requeued.map((d) => ({ v: 1, jobId, to: d.email, n: d.position }));
  let queued = 0;
  try {
    for (const part of chunk(tasks, SEND_BATCH_SIZE)) {
      await c.env.SEND_QUEUE.sendBatch(part.map((body) => ({ body, contentType: "json" as const })));
      queued += part.length;
    }
  } catch (err) {
    const left = requeued.slice(queued);
    await unqueue(
      db,
      jobId,
      left.map((d) => d.recipient),
      Date.now(),
    ).catch((unqueueErr: unknown) => {
      console.error(
        JSON.stringify({
          msg: "requeued deliveries not given back to unknown",
          jobId,
          recipients: left.map((d) => d.email),
          error: String(unqueueErr),
        }),
      );
    });
    throw new AppError("send_incomplete", `queued ${queued} of ${tasks.length} unknown recipients again; call again for the rest`, {
      campaignId,
      jobId,
      requeued: queued,
      unknown: tasks.length - queued,
      reason: String(err),
    });
  }
  return c.json({ campaignId, jobId, requeued: queued }, 202);
});
