// Unsubscribe endpoints: GET shows a confirm page, POST (one-click or the page's button) suppresses at once.

import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { config } from "../config/config";
import { AppError } from "../lib/errors";
import { errorFields, log } from "../lib/log";
import { applyEvents } from "../pipeline/apply";
import { enqueueEvents } from "../pipeline/enqueue";
import { requestFacts } from "../tracking/edge-event";
import { trackingKeyRing } from "../config/tracking-keys";
import { verifyToken, type TokenPayload } from "../tracking/token";
import { confirmPage, donePage, isOneClickBody, unsubscribeEvent, unsubscribeVia } from "../tracking/unsubscribe";
import { limitBody } from "./body";
import { htmlResponse, linkNotFound } from "./html";
import type { AppEnv } from "./app-env";

const FORM_LIMIT = 8 * 1024;

type UnsubscribeEnv = AppEnv & { Variables: { payload: TokenPayload } };

/** The token is verified before anything else, the body included: a bad link gets the not-found page. */
const verified = createMiddleware<UnsubscribeEnv>(async (c, next) => {
  const result = await verifyToken(c.req.param("token") ?? "", await trackingKeyRing(config(c.env).tracking));
  if (!result.ok || result.payload.kind !== "unsubscribe") return linkNotFound();
  c.set("payload", result.payload);
  await next();
});

export const unsubscribe = new Hono<UnsubscribeEnv>();

unsubscribe.get("/:token", verified, (c) => htmlResponse(confirmPage(c.var.payload)));

unsubscribe.post("/:token", verified, limitBody(FORM_LIMIT), async (c) => {
  const payload = c.var.payload;
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    throw new AppError("bad_request", "send the form body List-Unsubscribe=One-Click (RFC 8058)");
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new AppError("bad_request", "the form body could not be parsed");
  }
  if (!isOneClickBody(form)) throw new AppError("bad_request", "the body must contain List-Unsubscribe=One-Click (RFC 8058)");

  const event = await unsubscribeEvent(payload, requestFacts(c.req.raw), unsubscribeVia(form));
  try {
    // Applied on the request path so the address is suppressed before we answer.
    await applyEvents(c.env, [event]);
  } catch (err) {
    // D1 is down: the queue keeps the unsubscribe and applies it when D1 is back. Only if that fails too
    // is the answer a 5xx, so the mailbox provider tries again.
    log.error("unsubscribe not applied inline, queued", { ...errorFields(err) });
    try {
      await enqueueEvents(c.env.EVENTS, [event]);
    } catch {
      throw new AppError("unavailable", "the unsubscribe could not be recorded; please try again");
    }
  }
  return htmlResponse(donePage(payload));
});
