// The Hono app: mounts the route groups and maps every error to HTTP in one place.

import { Hono } from "hono";
import { AppError, errorBody } from "./errors";
import { KeyConfigError } from "./tracking/keys";
import { SesConfigError, SesError } from "./ses/client";
import { appErrorFromSes } from "./ses/app-error";
import { api } from "./routes/api";
import { edge } from "./routes/edge";
import { sns } from "./routes/sns";
import { unsubscribe } from "./routes/unsubscribe";
import type { AppEnv } from "./app-env";

export const app = new Hono<AppEnv>();

app.route("/", edge);
app.route("/u", unsubscribe);
app.route("/api", api);
app.route("/sns", sns);

app.notFound((c) => {
  if (c.req.path.startsWith("/api/")) {
    return c.json(errorBody(new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`)), 404);
  }
  return c.text("not found", 404);
});

app.onError((err, c) => {
  if (err instanceof AppError) {
    if (err.status >= 500) console.error(JSON.stringify({ msg: "request failed", code: err.code, error: err.message }));
    return c.json(errorBody(err), err.status as 400);
  }
  if (err instanceof SesError || err instanceof SesConfigError) {
    const mapped = appErrorFromSes(err);
    if (mapped.status >= 500) console.error(JSON.stringify({ msg: "SES call failed", code: mapped.code, error: err.message }));
    return c.json(errorBody(mapped), mapped.status as 400);
  }
  if (err instanceof KeyConfigError) {
    console.error(JSON.stringify({ msg: "tracking keys misconfigured", error: err.message }));
    return c.json(errorBody(new AppError("unavailable", "tracking keys are not configured")), 503);
  }
  console.error(JSON.stringify({ msg: "unhandled error", error: String(err), stack: (err as Error).stack }));
  return c.json(errorBody(new AppError("internal", "internal error")), 500);
});
