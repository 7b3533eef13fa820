// /dashboard: sign-in and sign-out, the signed-in pages, and /dashboard/api, the dashboard's data reads.
//
// The session is a cookie (src/dashboard/session.ts); it is read here and nowhere else: /api/* takes only the bearer
// token. A dashboard data request is forwarded to the /api route it names with the bearer token added on the server,
// so it passes the same auth, validation and error answers as a request from curl, and answers the same JSON.

import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import * as v from "valibot";
import { timingSafeEqual } from "hono/utils/buffer";
import { config } from "../config/config";
import { DASHBOARD_CACHE_HEADERS } from "../dashboard/headers";
import { campaignPage, campaignsPage, contactsPage, notFoundPage, signInPage, suppressionsPage } from "../dashboard/pages";
import { endSession, requestSession, startSession } from "../dashboard/session";
import { admitSignIn, signedInWith, signInNetwork } from "../dashboard/sign-in-limit";
import { database } from "../db/client";
import { CampaignId } from "../domain/schemas";
import { AppError, ConfigError } from "../lib/errors";
import { limitBody } from "./body";
import { sameOrigin } from "./same-origin";
import type { AppEnv } from "./app-env";

const FORM_LIMIT = 4 * 1024;
const SIGN_IN = "/dashboard/sign-in";

/** Hands a request to the worker's own router (app.fetch): how /dashboard/api reaches /api. */
export type Forward = (request: Request, env: Env, ctx: Context<AppEnv>["executionCtx"]) => Promise<Response>;

/** The dashboard opens with the API: not at all while API_TOKEN is not set (503 misconfigured, as /api answers). */
function apiToken(env: Env): string {
  const token = config(env).api.token;
  if (token === null) throw new ConfigError("API_TOKEN", "API_TOKEN is not set: the API and the dashboard are closed until it is");
  return token;
}

async function signedIn(c: Context<AppEnv>): Promise<boolean> {
  return (await requestSession(c, apiToken(c.env))) !== null;
}

/**
 * Where to go after signing in: a dashboard path of this origin, or the campaign list. Anything else (another host,
 * `//host`, a scheme) is ignored, so the sign-in form cannot be turned into an open redirect.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > 512) return "/dashboard";
  return /^\/dashboard(\/[A-Za-z0-9._~%@+/-]*)?(\?[A-Za-z0-9._~%@+=&-]*)?$/.test(next) && !next.includes("//") ? next : "/dashboard";
}

const pageSession = createMiddleware<AppEnv>(async (c, next) => {
  if (!(await signedIn(c))) {
    const url = new URL(c.req.url);
    return c.redirect(`${SIGN_IN}?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
  }
  await next();
});

const apiSession = createMiddleware<AppEnv>(async (c, next) => {
  if (!(await signedIn(c))) throw new AppError("unauthorized", "sign in to the dashboard first (POST /dashboard/session)");
  await next();
});

/** The sign-in form, read only behind limitBody(). */
async function readForm(c: Context<AppEnv>): Promise<FormData> {
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header("content-type") ?? "")) {
    throw new AppError("bad_request", "send the sign-in form");
  }
  try {
    return await c.req.formData();
  } catch {
    throw new AppError("bad_request", "the form body could not be parsed");
  }
}

/** The /dashboard/api routes: each is the /api route of the same path, read-only except lifting a suppression. */
function dashboardApi(forward: Forward): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.use("*", apiSession);
  const toApi = async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    url.pathname = url.pathname.replace(/^\/dashboard\/api\//, "/api/");
    // Only the bearer token goes along: no cookie, no body, nothing else the browser sent.
    const request = new Request(url, { method: c.req.method, headers: { authorization: `Bearer ${apiToken(c.env)}`, accept: "application/json" } });
    const answer = await forward(request, c.env, c.executionCtx);
    return new Response(answer.body, answer);
  };
  routes.get("/campaigns", toApi);
  routes.get("/campaigns/:id/stats", toApi);
  routes.get("/campaigns/:id/timeline", toApi);
  routes.get("/campaigns/:id/links", toApi);
  routes.get("/campaigns/:id/audience", toApi);
  routes.get("/campaigns/:id/providers", toApi);
  routes.get("/campaigns/:id/recipients", toApi);
  routes.get("/contacts/:email/events", toApi);
  routes.get("/suppressions", async (c) => {
    const answer = await toApi(c);
    // Looking an address up, "not suppressed" is the answer the page expects, not a failed load that browsers log as an
    // error: 200 null instead of the API's 404.
    if (c.req.query("email") !== undefined && answer.status === 404) return c.json(null);
    return answer;
  });
  routes.delete("/suppressions/:email", toApi);
  routes.all("*", (c) => {
    throw new AppError("not_found", `no dashboard data route for ${c.req.method} ${c.req.path}`);
  });
  return routes;
}

export function dashboardRoutes(forward: Forward): Hono<AppEnv> {
  const dashboard = new Hono<AppEnv>();

  // The security headers are app.ts's (dashboardHeaders for every /dashboard path); these say "never cache".
  dashboard.use("*", async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(DASHBOARD_CACHE_HEADERS)) c.res.headers.set(name, value);
  });
  // Every state-changing request (sign-in, sign-out, lifting a suppression) must come from a page of this origin.
  dashboard.use("*", sameOrigin);

  dashboard.get("/sign-in", async (c) => {
    const next = safeNext(c.req.query("next"));
    if (await signedIn(c)) return c.redirect(next, 303);
    return c.html(signInPage({ next }));
  });

  dashboard.post("/session", limitBody(FORM_LIMIT), async (c) => {
    const form = await readForm(c);
    const next = safeNext(form.get("next"));
    const token = form.get("token");
    const db = database(c.env.DB);
    const gate = await admitSignIn(db, signInNetwork(c.req.header("cf-connecting-ip")));
    if (!gate.ok) {
      c.header("Retry-After", String(gate.retryAfterSeconds));
      const wait = Math.ceil(gate.retryAfterSeconds / 60);
      const error = `Too many sign-in attempts from your network: try again in ${wait} minute${wait === 1 ? "" : "s"}.`;
      return c.html(signInPage({ next, error }), 429);
    }
    // Constant time, as hono/bearer-auth compares the API's bearer token.
    if (typeof token !== "string" || !(await timingSafeEqual(token, apiToken(c.env)))) {
      return c.html(signInPage({ next, error: "Wrong token: that is not the API token of this deployment." }), 401);
    }
    await signedInWith(db, gate);
    await startSession(c, apiToken(c.env));
    return c.redirect(next, 303);
  });

  dashboard.post("/sign-out", (c) => {
    endSession(c);
    return c.redirect(SIGN_IN, 303);
  });

  dashboard.route("/api", dashboardApi(forward));

  dashboard.get("/", pageSession, (c) => c.html(campaignsPage()));
  dashboard.get("/campaigns/:id", pageSession, (c) => {
    const id = v.safeParse(CampaignId, c.req.param("id"));
    return id.success ? c.html(campaignPage(id.output)) : c.html(notFoundPage(), 404);
  });
  dashboard.get("/contacts", pageSession, (c) => c.html(contactsPage()));
  dashboard.get("/suppressions", pageSession, (c) => c.html(suppressionsPage()));
  dashboard.get("*", (c) => (c.req.path === "/dashboard/" ? c.redirect("/dashboard", 301) : c.html(notFoundPage(), 404)));

  return dashboard;
}
