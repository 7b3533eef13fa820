// Bearer-token authentication for /api/*: hono/bearer-auth against API_TOKEN, refusing with the API's JSON errors.

import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { createMiddleware } from "hono/factory";
import { config, type ApiConfig } from "../config/config";
import { AppError, ConfigError, errorBody } from "../lib/errors";
import type { AppEnv } from "./app-env";

/** Every refusal is 401 `{ error: "unauthorized", message }` (hono's own would be text, and 400 for a malformed header). */
const refuse = (message: string) => ({ message: (c: Context) => c.json(errorBody(new AppError("unauthorized", message)), 401) });

// One guard per configured token (the slice is cached per env). hono/bearer-auth compares in constant time: the
// SHA-256 of both sides, then both sides character by character over the longer length.
const guards = new WeakMap<ApiConfig, MiddlewareHandler>();

function guardFor(api: ApiConfig): MiddlewareHandler {
  let guard = guards.get(api);
  if (!guard) {
    if (api.token === null) throw new ConfigError("API_TOKEN", "API_TOKEN is not set: the API is closed until it is (see .dev.vars.example)");
    guard = bearerAuth({
      token: api.token,
      noAuthenticationHeader: refuse("send Authorization: Bearer <API_TOKEN>"),
      invalidAuthenticationHeader: refuse("send Authorization: Bearer <API_TOKEN>"),
      invalidToken: refuse("the API token is not valid"),
    });
    guards.set(api, guard);
  }
  return guard;
}

export const requireApiToken = createMiddleware<AppEnv>((c, next) => guardFor(config(c.env).api)(c, next));
