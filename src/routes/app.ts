// The Hono app: mounts the route groups and maps every error to HTTP in one place.

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { config, reportConfigError } from "../config/config";
import { dashboardHeaders } from "../dashboard/headers";
import { AppError, ConfigError, errorBody } from "../lib/errors";
import { errorFields, log } from "../lib/log";
import { SesError } from "../ses/client";
import { appErrorFromSes } from "../ses/app-error";
import { api } from "./api";
import { dashboardRoutes } from "./dashboard";
import { edge } from "./edge";
import { linkNotFound, pageHeaders } from "./html";
import { metrics } from "./metrics";
import { contractRoutes, docsHeaders } from "./openapi";
import { sns } from "./sns";
import { unsubscribe } from "./unsubscribe";
import type { AppEnv } from "./app-env";

export const app = new Hono<AppEnv>();

/** The open pixel answers its GIF whatever happens, and mail clients load it from other origins. */
const isPixel = (path: string) => path.startsWith("/o/");
/** The dashboard's pages run this origin's script and stylesheet: their own policy (dashboard/headers.ts). */
const isDashboard = (path: string) => path === "/dashboard" || path.startsWith("/dashboard/");
/** The API reference page runs Scalar's script from this origin and sets its own policy (routes/openapi.ts). */
const isDocs = (path: string) => path === "/docs";

// Security headers on every answer but the pixel's (Cross-Origin-Resource-Policy would stop webmail loading it):
// the HTML pages need them, and on JSON and text they cost nothing. One rule, no list of page paths to keep up.
app.use("*", (c, next) => {
  const path = c.req.path;
  if (isPixel(path)) return next();
  return isDashboard(path) ? dashboardHeaders(c, next) : isDocs(path) ? docsHeaders(c, next) : pageHeaders(c, next);
});

// The whole configuration is checked before any route runs: a malformed variable answers 503 naming it, on every
// route, instead of failing later inside one. The pixel checks it in its handler and still answers the GIF.
app.use("*", async (c, next) => {
  if (!isPixel(c.req.path)) config(c.env);
  await next();
});

app.route("/", edge);
// The contract and its reference page: public, they hold no data.
app.route("/", contractRoutes(app));
app.route("/u", unsubscribe);
app.route("/api", api);
// Prometheus scrapes, with the API's token (routes/metrics.ts); not part of the /api contract.
app.route("/metrics", metrics);
app.route("/sns", sns);
// The dashboard's data requests go through the worker's own router to /api, with the API's auth and errors.
app.route(
  "/dashboard",
  dashboardRoutes(async (request, env, ctx) => app.fetch(request, env, ctx)),
);

// People open links; only API callers get JSON.
app.notFound((c) => {
  if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/dashboard/api/")) {
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
  if (err instanceof SesError) {
    const mapped = appErrorFromSes(err);
    if (mapped.status >= 500) log.error("SES call failed", { code: mapped.code, error: err.message });
    return c.json(errorBody(mapped), mapped.status as 400);
  }
  log.error("unhandled error", errorFields(err));
  return c.json(errorBody(new AppError("internal", "internal error")), 500);
});
