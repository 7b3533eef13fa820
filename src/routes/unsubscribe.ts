// Unsubscribe endpoints: GET shows a confirm page, POST (one-click or the page's button) suppresses at once.

import { Hono } from "hono";
import { AppError } from "../errors";
import { applyEvents } from "../pipeline/apply";
import { enqueueEvents } from "../pipeline/enqueue";
import { requestFacts } from "../tracking/edge-event";
import { keyRing } from "../tracking/keys";
import { verifyToken, type TokenPayload } from "../tracking/token";
import { confirmPage, donePage, isOneClickBody, notFoundPage, unsubscribeEvent, unsubscribeVia } from "../tracking/unsubscribe";
import { readBoundedBytes } from "./body";
import type { AppEnv } from "../app-env";

const FORM_LIMIT = 8 * 1024;
const HTML_HEADERS = { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Robots-Tag": "noindex" };

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: HTML_HEADERS });
}

async function unsubscribePayload(token: string, env: Env): Promise<TokenPayload | null> {
  const result = await verifyToken(token, await keyRing(env.TRACKING_KEYS));
  return result.ok && result.payload.kind === "unsubscribe" ? result.payload : null;
}

export const unsubscribe = new Hono<AppEnv>();

unsubscribe.get("/:token", async (c) => {
  const payload = await unsubscribePayload(c.req.param("token"), c.env);
  return payload ? html(confirmPage(payload)) : html(notFoundPage(), 404);
});

unsubscribe.post("/:token", async (c) => {
  const payload = await unsubscribePayload(c.req.param("token"), c.env);
  if (!payload) return html(notFoundPage(), 404);

  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    throw new AppError("bad_request", "send the form body List-Unsubscribe=One-Click (RFC 8058)");
  }
  const bytes = await readBoundedBytes(c.req.raw, FORM_LIMIT);
  let form: FormData;
  try {
    form = await new Request("https://form.invalid/", { method: "POST", body: bytes, headers: { "content-type": type } }).formData();
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
    console.error(JSON.stringify({ msg: "unsubscribe not applied inline, queued", error: String(err) }));
    try {
      await enqueueEvents(c.env.EVENTS, [event]);
    } catch {
      throw new AppError("unavailable", "the unsubscribe could not be recorded; please try again");
    }
  }
  return html(donePage(payload));
});
