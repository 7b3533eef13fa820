// Sending routes under /api: instrument only, send one, send a campaign (and its jobs), the campaign's tracking switches.

import { Hono } from "hono";
import { campaignTracking, updateCampaignTracking } from "../db/campaign-settings";
import { database } from "../db/client";
import { findSuppression } from "../db/suppressions";
import { CampaignId } from "../domain/schemas";
import { AppError } from "../errors";
import type { CampaignGuardState } from "../stats/campaign-stats";
import { campaignStats } from "../stats/counters";
import { describePause, pauseChecker } from "../guard/pause";
import { instrumentHtml } from "../tracking/instrument";
import { keyRing } from "../tracking/keys";
import { mintLinks } from "../tracking/links";
import { createSendJob, SendIncomplete } from "../sending/jobs";
import { composeContextFrom, deliver, sendEvent } from "../sending/message";
import { CampaignSendRequest, CampaignSettingsRequest, InstrumentRequest, MAX_HTML_BYTES, SendRequest } from "../sending/schemas";
import { recordSendEvents } from "../sending/record-events";
import { effectiveTracking } from "../sending/tracking";
import { readJson, validateWith } from "./body";
import { idempotent } from "./idempotency";
import { sendJobsApi } from "./send-jobs";
import { trackingOrigin } from "./origin";
import type { AppEnv } from "../app-env";

/** A message body is mostly its HTML; the JSON around it is small. */
const MESSAGE_BODY_LIMIT = MAX_HTML_BYTES + 320 * 1024;
/** 10,000 recipients of up to 254 characters each, plus a message. */
const CAMPAIGN_BODY_LIMIT = MESSAGE_BODY_LIMIT + 3 * 1024 * 1024;

export const sending = new Hono<AppEnv>();

sending.route("/", sendJobsApi);

sending.post("/instrument", async (c) => {
  const body = await readJson(c.req.raw, InstrumentRequest, MESSAGE_BODY_LIMIT);
  const db = database(c.env.DB);
  const track = effectiveTracking(await campaignTracking(db, body.campaignId), body.track);
  const origin = trackingOrigin(c.env, c.req.url);
  const ring = await keyRing(c.env.TRACKING_KEYS);
  const { html, stats } = await instrumentHtml(body.html, { origin, ring, campaignId: body.campaignId, contact: body.contact, track });
  const links = await mintLinks(origin, ring, { campaignId: body.campaignId, contact: body.contact }, c.env.UNSUBSCRIBE_MAILTO || undefined);
  return c.json({ html, headers: links.headers, unsubscribe: links.unsubscribe, trackedLinks: stats.trackedLinks, pixel: stats.pixel, track });
});

sending.post("/send", async (c) => {
  const body = await readJson(c.req.raw, SendRequest, MESSAGE_BODY_LIMIT);
  // A request that stopped without an answer may have sent: its repeat answers outcome_unknown, never a second mail.
  return idempotent(c, body, { newJobId: null, onStale: "unknown" }, async () => {
    const db = database(c.env.DB);
    const suppression = await findSuppression(db, body.to);
    if (suppression) {
      throw new AppError("suppressed", `${body.to} is suppressed (${suppression.reason}); nothing was sent`, { reason: suppression.reason });
    }
    const pause = await pauseChecker(c.env)(body.campaignId);
    if (pause) throw new AppError("sending_paused", `${describePause(pause)}; nothing was sent`, { pause });
    const track = effectiveTracking(await campaignTracking(db, body.campaignId), body.track);
    const ctx = composeContextFrom(c.env, trackingOrigin(c.env, c.req.url), await keyRing(c.env.TRACKING_KEYS));
    // Only throttling is retried (DEFAULT_RETRY): a 5xx or lost answer throws an unknown outcome, answered 502.
    const messageId = await deliver(c.env, ctx, { ...body, track });
    // The mail is out: answering 5xx would invite the caller to send it again.
    await recordSendEvents(c.env, [sendEvent(body, messageId, Date.now())]);
    return { status: 200, body: { messageId } };
  });
});

sending.post("/campaigns/:id/send", async (c) => {
  const campaignId = validateWith(CampaignId, c.req.param("id"));
  const body = await readJson(c.req.raw, CampaignSendRequest, CAMPAIGN_BODY_LIMIT);
  // Every step is claimed (the job, each recipient, the enqueue count): a repeat resumes where the first stopped.
  return idempotent(c, body, { newJobId: crypto.randomUUID(), onStale: "resume" }, async (hold) => {
    const db = database(c.env.DB);
    // The send's own switches are kept with the job; the campaign's are read again when each message goes out.
    const track = effectiveTracking({ opens: true, clicks: true }, body.track);
    try {
      const result = await createSendJob(db, c.env.SEND_QUEUE, campaignId, trackingOrigin(c.env, c.req.url), body, track, {
        jobId: hold.jobId ?? undefined,
      });
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
});

/** The guard's settings live in the campaign's counters object, where its decisions are made. */
sending.get("/campaigns/:id/settings", async (c) => {
  const campaignId = validateWith(CampaignId, c.req.param("id"));
  const [track, guard] = await Promise.all([
    campaignTracking(database(c.env.DB), campaignId),
    campaignStats(c.env.CAMPAIGN_STATS, campaignId).guardState(),
  ]);
  return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
});

sending.put("/campaigns/:id/settings", async (c) => {
  const campaignId = validateWith(CampaignId, c.req.param("id"));
  const body = await readJson(c.req.raw, CampaignSettingsRequest);
  const db = database(c.env.DB);
  const stub = campaignStats(c.env.CAMPAIGN_STATS, campaignId);
  const track = body.track ? await updateCampaignTracking(db, campaignId, body.track) : await campaignTracking(db, campaignId);
  const guard = body.guard ? await stub.updateGuard(body.guard) : await stub.guardState();
  return c.json({ campaignId, track, guard: guardSettingsJson(guard) });
});

function guardSettingsJson(g: CampaignGuardState) {
  return { ...g.settings, thresholds: g.thresholds, paused: g.paused };
}
