// POST /api/campaigns/<id>/send: a campaign send, accepted once per Idempotency-Key and queued one task per recipient.

import { Hono } from "hono";
import { config } from "../../config/config";
import { database } from "../../db/client";
import { AppError } from "../../lib/errors";
import { createSendJob, SendIncomplete } from "../../sending/jobs";
import { requireSending } from "../../ses/client";
import { CAMPAIGN_BODY_LIMIT, CampaignSendRequest } from "../../sending/schemas";
import { effectiveTracking } from "../../sending/tracking";
import { limitBody } from "../body";
import { SendJobAccepted } from "../../domain/api-contract";
import { BODY, doc } from "../describe";
import { json } from "../validate";
import { idempotent } from "../idempotency";
import { trackingOrigin } from "../origin";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

export const campaignSends = new Hono<AppEnv>();

campaignSends.post(
  "/:id/send",
  doc({
    tag: "Sending",
    summary: "A campaign send: accepted once per Idempotency-Key, one queued task per recipient",
    ok: { status: 202, schema: SendJobAccepted },
    errors: [...BODY, "bad_request", "idempotency_key_in_use", "idempotency_key_reused", "unavailable", "send_incomplete"],
  }),
  limitBody(CAMPAIGN_BODY_LIMIT),
  campaignParam,
  json(CampaignSendRequest),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const settings = config(c.env);
    // Nothing is claimed or queued that could never be sent: the tasks would wait for keys, then be dead-lettered.
    requireSending(settings.ses);
    const origin = trackingOrigin(settings.tracking, c.req.url);
    // The send's own switches are kept with the job; the campaign's are read again when each message goes out.
    const track = effectiveTracking({ opens: true, clicks: true, honeypot: true }, body.track);
    // Every step is claimed (the job, each recipient, the enqueue count): a repeat resumes where the first stopped.
    return idempotent(c, body, { newJobId: crypto.randomUUID(), onStale: "resume" }, async (hold) => {
      try {
        const result = await createSendJob(database(c.env.DB), c.env.SEND_QUEUE, campaignId, origin, body, track, { jobId: hold.jobId ?? undefined });
        return { status: 202, body: { campaignId, ...result, idempotencyKey: hold.key } };
      } catch (err) {
        if (!(err instanceof SendIncomplete)) throw err;
        throw new AppError(
          "send_incomplete",
          `queued ${err.queued} of ${err.recipients} recipients; repeat the request with Idempotency-Key ${hold.key} to queue the rest (none is queued twice)`,
          { campaignId, jobId: err.jobId, queued: err.queued, recipients: err.recipients, idempotencyKey: hold.key },
        );
      }
    });
  },
);
