// The Hono app: mounts the route groups and maps every error to HTTP in one place.

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { config, reportConfigError } from "./config";
import { AppError, ConfigError, errorBody } from "./errors";
import { log } from "./log";
import { SesConfigError, SesError } from "./ses/client";
import { api } from "./routes/api";
import { edge } from "./routes/edge";
import { linkNotFound, pageHeaders } from "./routes/html";
import { sns } from "./routes/sns";
import { unsubscribe } from "./routes/unsubscribe";
import type { AppEnv } from "./app-env";

export const app = new Hono<AppEnv>();

/** The open pixel answers its GIF whatever happens, and mail clients load it from other origins. */
const isPixel = (path: string) => path.startsWith("/o/");

// Security headers on every answer but the pixel's (Cross-Origin-Resource-Policy would stop webmail loading it):
// the HTML pages need them, and on JSON and text they cost nothing. One rule, no list of page paths to keep up.
app.use("*", (c, next) => (isPixel(c.req.path) ? next() : pageHeaders(c, next)));

// The whole configuration is checked before any route runs: a malformed variable answers 503 naming it, on every
// route, instead of failing later inside one. The pixel checks it in its handler and still answers the GIF.
app.use("*", async (c, next) => {
  if (!isPixel(c.req.path)) config(c.env);
  await next();
});

app.route("/", edge);
app.route("/u", unsubscribe);
app.route("/api", api);
app.route("/sns", sns);

// People open links; only API callers get JSON.
app.notFound((c) => {
  if (c.req.path.startsWith("/api/")) {
    return c.json(errorBody(new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`)), 404);
  }
  return linkNotFound();
});

app.onError((err, c) => {
  // hono/bearer-auth's refusals, already in the API's JSON shape (routes/auth.ts).
  if (err instanceof HTTPException) return err.getResponse();
  if (err instanceof ConfigError) {
    reportConfigError(err);
    return c.json(errorBody(err), 503);
  }
  if (err instanceof AppError) {
    if (err.status >= 500) log.error("request failed", { code: err.code, error: err.message });
    return c.json(errorBody(err), err.status as 400);
  }
  if (err instanceof SesError || err instanceof SesConfigError) {
    const mapped = appErrorFromSes(err);
    if (mapped.status >= 500) log.error("SES call failed", { code: mapped.code, error: err.message });
    return c.json(errorBody(mapped), mapped.status as 400);
  }
  log.error("unhandled error", { error: String(err), stack: (err as Error).stack });
  return c.json(errorBody(new AppError("internal", "internal error")), 500);
});

/**
 * SES answers as HTTP: a message SES refuses (MessageRejected, unverified sender, bad address…) is the caller's to
 * fix, 422 with SES's reason; throttling that outlasted our retries is 503, 5xx and network failures 502 (a retry
 * may help); refused credentials or missing configuration are this deployment's to fix, 503.
 */
function appErrorFromSes(err: SesError | SesConfigError): AppError {
  if (err instanceof SesConfigError) return new AppError("unavailable", err.message);
  const details = { reason: err.message, sesError: err.type };
  if (err.status === 401 || err.status === 403) return new AppError("unavailable", "SES refused this deployment's credentials", details);
  if (!err.retryable) return new AppError("upstream_rejected", `SES rejected the message: ${err.message}`, details);
  if (err.status === 429) return new AppError("unavailable", "SES is throttling sends; try again later", details);
  return new AppError("upstream_unavailable", "SES could not be reached or failed; try again", details);
}
