// The tracking edge: open pixel, click redirect and health check. Answers never wait for storage.

import { type Context, Hono } from "hono";
import { enqueueInBackground } from "../pipeline/enqueue";
import { eventFromToken, repeatEventId, repeatWindowEnd, requestFacts } from "../tracking/edge-event";
import { config, reportConfigError } from "../config/config";
import { ConfigError } from "../lib/errors";
import { trackingKeyRing } from "../config/tracking-keys";
import { pixelResponse } from "../tracking/pixel";
import { enqueuedRecently, rememberEnqueued } from "../tracking/repeats";
import { verifyToken, type TokenPayload } from "../tracking/token";
import { linkNotFound } from "./html";
import type { AppEnv } from "./app-env";
import { errorFields, log } from "../lib/log";

/**
 * Queue the open or click in the background. Repeats of the token from the same network in the same window share
 * one id (storage and counters keep it once); one this isolate already enqueued is not even sent again.
 */
async function recordInBackground(c: Context<AppEnv>, kind: "open" | "click", token: string, payload: TokenPayload): Promise<void> {
  const facts = requestFacts(c.req.raw);
  const event = eventFromToken(payload, facts, await repeatEventId(kind, token, facts));
  if (enqueuedRecently(event.id, facts.now)) return;
  enqueueInBackground(c.executionCtx, c.env.EVENTS, [event], () => rememberEnqueued(event.id, repeatWindowEnd(facts.now)));
}

export const edge = new Hono<AppEnv>();

edge.get("/healthz", () => new Response("ok", { headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } }));

edge.get("/o/:token", async (c) => {
  const raw = c.req.param("token");
  const token = raw.endsWith(".gif") ? raw.slice(0, -4) : raw;
  // The image is answered whatever happens: a broken image in an inbox helps nobody. GET and HEAD are both
  // recorded: a HEAD is a scanner probing, and the consumer counts it as a machine.
  try {
    const result = await verifyToken(token, await trackingKeyRing(config(c.env).tracking));
    if (result.ok && result.payload.kind === "open") await recordInBackground(c, "open", token, result.payload);
  } catch (err) {
    if (err instanceof ConfigError) reportConfigError(err);
    else log.error("open not recorded", { ...errorFields(err) });
  }
  return pixelResponse();
});

edge.get("/c/:token", async (c) => {
  const token = c.req.param("token");
  const result = await verifyToken(token, await trackingKeyRing(config(c.env).tracking));
  // Only a signed destination is ever followed; a bad token gets a page, never a redirect.
  if (!result.ok || result.payload.kind !== "click" || !result.payload.url) return linkNotFound();
  await recordInBackground(c, "click", token, result.payload);
  return new Response(null, {
    status: 302,
    headers: { Location: result.payload.url, "Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer" },
  });
});
