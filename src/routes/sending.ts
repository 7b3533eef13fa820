// Sending routes under /api: instrument only, and send one message (campaign sends are under /api/campaigns).

import { Hono } from "hono";
import { config } from "../config/config";
import { campaignTracking } from "../db/campaign-settings";
import { database } from "../db/client";
import { AppError } from "../lib/errors";
import { describePause, pauseChecker } from "../sending/pause-check";
import { suppressionOf } from "../privacy/suppressed";
import { composeContextFrom, deliver, sendEvent } from "../sending/message";
import { recordSendEvents } from "../pipeline/record-sends";
import { requireSending } from "../ses/client";
import { emailTags } from "../ses/tags";
import { InstrumentRequest, MESSAGE_BODY_LIMIT, SendRequest } from "../sending/schemas";
import { effectiveTracking } from "../sending/tracking";
import { instrumentHtml } from "../tracking/instrument";
import { trackingKeyRing } from "../config/tracking-keys";
import { mintLinks } from "../tracking/links";
import { limitBody } from "./body";
import { Instrumented, Sent } from "../domain/api-contract";
import { BODY, doc } from "./describe";
import { json } from "./validate";
import { idempotent } from "./idempotency";
import { trackingOrigin } from "./origin";
import type { AppEnv } from "./app-env";

export const sending = new Hono<AppEnv>();

sending.post(
  "/instrument",
  doc({
    tag: "Sending",
    summary: "Instrument an email's HTML (tracked links, pixel, unsubscribe headers) without sending it",
    ok: { schema: Instrumented },
    errors: BODY,
  }),
  limitBody(MESSAGE_BODY_LIMIT),
  json(InstrumentRequest),
  async (c) => {
    const body = c.req.valid("json");
    const { tracking } = config(c.env);
    const track = effectiveTracking(await campaignTracking(database(c.env.DB), body.campaignId), body.track);
    const origin = trackingOrigin(tracking, c.req.url);
    const ring = await trackingKeyRing(tracking);
    const { html, stats } = await instrumentHtml(body.html, { origin, ring, campaignId: body.campaignId, contact: body.contact, track });
    const links = await mintLinks(origin, ring, { campaignId: body.campaignId, contact: body.contact }, tracking.unsubscribeMailto ?? undefined);
    // The EmailTags this worker's own sends carry: a pipeline that sends by itself attaches them, or its SES events
    // arrive under no campaign.
    const tags = emailTags(body.campaignId, body.contact);
    const { trackedLinks, pixel, honeypot } = stats;
    return c.json({ html, headers: links.headers, emailTags: tags, unsubscribe: links.unsubscribe, trackedLinks, pixel, honeypot, track });
  },
);

sending.post(
  "/send",
  doc({
    tag: "Sending",
    summary: "Send one message through SES, once per Idempotency-Key",
    ok: { schema: Sent },
    errors: [
      ...BODY,
      "bad_request",
      "suppressed",
      "sending_paused",
      "idempotency_key_in_use",
      "idempotency_key_reused",
      "upstream_rejected",
      "upstream_unavailable",
      "outcome_unknown",
      "unavailable",
    ],
  }),
  limitBody(MESSAGE_BODY_LIMIT),
  json(SendRequest),
  async (c) => {
    const body = c.req.valid("json");
    const settings = config(c.env);
    requireSending(settings.ses);
    // A request that stopped without an answer may have sent: its repeat answers outcome_unknown, never a second mail.
    return idempotent(c, body, { newJobId: null, onStale: "unknown" }, async () => {
      const db = database(c.env.DB);
      const suppression = await suppressionOf(settings.privacy, db, body.to);
      if (suppression) {
        throw new AppError("suppressed", `${body.to} is suppressed (${suppression.reason}); nothing was sent`, { reason: suppression.reason });
      }
      const pause = await pauseChecker(c.env)(body.campaignId);
      if (pause) throw new AppError("sending_paused", `${describePause(pause)}; nothing was sent`, { pause });
      const track = effectiveTracking(await campaignTracking(db, body.campaignId), body.track);
      const ctx = composeContextFrom(settings, trackingOrigin(settings.tracking, c.req.url), await trackingKeyRing(settings.tracking));
      // Only throttling is retried (DEFAULT_RETRY): a 5xx or lost answer throws an unknown outcome, answered 502.
      const messageId = await deliver(settings.ses, ctx, { ...body, track });
      // The mail is out: answering 5xx would invite the caller to send it again.
      await recordSendEvents(c.env, [sendEvent(body, messageId, Date.now())]);
      return { status: 200, body: { messageId } };
    });
  },
);
