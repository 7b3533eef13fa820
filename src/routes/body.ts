// Reading request bodies: bounded in size (hono/body-limit) before they are read whole, then validated with a schema.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { checkWith } from "../domain/schemas";
import { AppError } from "../errors";
import type { AppEnv } from "../app-env";

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

/** The body parsed as JSON and validated; only behind limitBody(). */
export async function jsonBody<S extends v.GenericSchema>(c: Context<AppEnv>, schema: S): Promise<v.InferOutput<S>> {
  return parseJsonWith(schema, await bodyText(c));
}

/** Read at most `limit` bytes of the body as text; refuse (413) as soon as it is exceeded. */
export async function readBoundedText(request: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBoundedBytes(request, limit));
}

/** Read at most `limit` bytes of the body; refuse (413) as soon as it is exceeded. */
export async function readBoundedBytes(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    throw new AppError("payload_too_large", `the body is larger than ${limit} bytes`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError("payload_too_large", `the body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

/** Parse JSON text and validate it; client mistakes become 400 with the first problem named. */
export function parseJsonWith<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "the body is not valid JSON");
  }
  return validateWith(schema, data);
}

export function validateWith<S extends v.GenericSchema>(schema: S, data: unknown): v.InferOutput<S> {
  const checked = checkWith(schema, data);
  if (!checked.ok) throw new AppError("validation_failed", checked.reason);
  return checked.value;
}

export const DEFAULT_JSON_LIMIT = 64 * 1024;

export async function readJson<S extends v.GenericSchema>(
  request: Request,
  schema: S,
  limit = DEFAULT_JSON_LIMIT,
): Promise<v.InferOutput<S>> {
  return parseJsonWith(schema, await readBoundedText(request, limit));
}
