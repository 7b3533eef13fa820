// The tracking edge: open pixel, click redirect and health check. Answers never wait for storage.

import { Hono } from "hono";
import { enqueueInBackground } from "../pipeline/enqueue";
import { eventFromToken, requestFacts } from "../tracking/edge-event";
import { config, reportConfigError } from "../config";
import { ConfigError } from "../errors";
import { trackingKeyRing } from "../tracking/keys";
import { pixelResponse } from "../tracking/pixel";
import { verifyToken } from "../tracking/token";
import { linkNotFound } from "./html";
import type { AppEnv } from "../app-env";
import { log } from "../log";

export const edge = new Hono<AppEnv>();

edge.get("/healthz", () => new Response("ok", { headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } }));

edge.get("/o/:token", async (c) => {
  const raw = c.req.param("token");
  const token = raw.endsWith(".gif") ? raw.slice(0, -4) : raw;
  // The image is answered whatever happens: a broken image in an inbox helps nobody. GET and HEAD are both
  // recorded: a HEAD is a scanner probing, and the consumer counts it as a machine.
  try {
    const result = await verifyToken(token, await trackingKeyRing(config(c.env).tracking));
    if (result.ok && result.payload.kind === "open") {
      enqueueInBackground(c.executionCtx, c.env.EVENTS, [eventFromToken(result.payload, requestFacts(c.req.raw))]);
    }
  } catch (err) {
    if (err instanceof ConfigError) reportConfigError(err);
    else log.error("open not recorded", { error: String(err) });
  }
  return pixelResponse();
});

edge.get("/c/:token", async (c) => {
  const result = await verifyToken(c.req.param("token"), await trackingKeyRing(config(c.env).tracking));
  // Only a signed destination is ever followed; a bad token gets a page, never a redirect.
  if (!result.ok || result.payload.kind !== "click" || !result.payload.url) return linkNotFound();
  enqueueInBackground(c.executionCtx, c.env.EVENTS, [eventFromToken(result.payload, requestFacts(c.req.raw))]);
  return new Response(null, {
    status: 302,
    headers: { Location: result.payload.url, "Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer" },
  });
});
