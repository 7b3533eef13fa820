// hono/csrf for the dashboard's state-changing requests, held to every body type and answered with the API's JSON 403.

import type { Context } from "hono";
import { csrf } from "hono/csrf";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";

// Defaults: the request's Origin equals this origin, or a browser's Sec-Fetch-Site says same-origin.
const honoCsrf = csrf();

/**
 * hono/csrf looks only at the bodies a cross-site <form> can send (form and text types, or none). A JSON body is
 * shown to it as text, so the one rule covers every state-changing request whatever its body.
 */
function asTextBody(c: Context<AppEnv>): Context<AppEnv> {
  const header = (name: string) => (name.toLowerCase() === "content-type" ? "text/plain" : c.req.header(name));
  return { req: { method: c.req.method, url: c.req.url, header } } as unknown as Context<AppEnv>;
}

/**
 * State-changing requests must come from a page of this origin. SameSite=Strict already keeps the cookie off
 * cross-site requests; this also refuses same-site but cross-origin ones (another host of the domain) and a sign-in
 * posted from elsewhere. Browsers send Origin on every POST and DELETE; a request with neither this Origin nor
 * `Sec-Fetch-Site: same-origin` is refused.
 */
export const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  try {
    await honoCsrf(asTextBody(c), async () => {});
  } catch (err) {
    if (!(err instanceof HTTPException) || err.status !== 403) throw err;
    throw new AppError("forbidden", "this request must come from a dashboard page of this origin (Origin header)");
  }
  await next();
});
