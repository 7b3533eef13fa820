// Reading request bodies: bounded in size (hono/body-limit) before they are read whole, then validated with a schema
// (the json() step of validate.ts).

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as v from "valibot";
import { checkWith } from "../domain/schemas";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";

/** Most JSON bodies of the API. Routes that take more (an email's HTML, a campaign's recipients) say so. */
export const JSON_LIMIT = 64 * 1024;

/**
 * Refuse a body over `maxSize` bytes with 413 `payload_too_large`: at once when Content-Length declares more, and
 * otherwise as soon as the stream passes it (hono/body-limit stops reading there). A route reads its body only
 * behind this middleware (bodyText checks), so no route can be made to buffer an unbounded body.
 */
export function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", `the body is larger than ${maxSize} bytes`);
    },
  });
  return (c, next) => {
    c.set("bodyLimit", maxSize);
    return limit(c, next);
  };
}

/** The body as text; only behind limitBody(). */
export function bodyText(c: Context<AppEnv>): Promise<string> {
  if (c.get("bodyLimit") === undefined) throw new Error("a request body is read only behind limitBody()");
  return c.req.text();
}

/** Parse JSON text and validate it; client mistakes become 400 with the first problem named. */
export function parseJsonWith<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "the body is not valid JSON");
  }
  const checked = checkWith(schema, data);
  if (!checked.ok) throw new AppError("validation_failed", checked.reason);
  return checked.value;
}
