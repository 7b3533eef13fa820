// Bearer-token authentication for /api/*: constant-time comparison against the API_TOKEN secret.

import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "../app-env";

const utf8 = new TextEncoder();

/** Hashing both sides first makes the comparison independent of length as well as content. */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8.encode(given)),
    crypto.subtle.digest("SHA-256", utf8.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export const requireApiToken = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.API_TOKEN;
  if (!expected) throw new AppError("unavailable", "API_TOKEN is not configured on this deployment");
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "send Authorization: Bearer <API_TOKEN>");
  if (!(await tokensEqual(match[1]!, expected))) throw new AppError("unauthorized", "the API token is not valid");
  await next();
});
