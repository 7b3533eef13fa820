// Request validation as route middleware, each step marked for hono-openapi: /openapi.json is generated from the very
// schema that validates. Failures are today's AppError (400 validation_failed, "path: message"), never the library's.

import { vValidator } from "@hono/valibot-validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import { resolver, uniqueSymbol } from "hono-openapi";
import * as v from "valibot";
import { issueReason } from "../domain/schemas";
import { AppError } from "../lib/errors";
import { parseJsonWith, bodyText } from "./body";
import type { AppEnv } from "./app-env";

/** A path or query is documented as the text a caller sends: conversion stops before a pipe's first transformation. */
const REQUEST_DOC = { options: { typeMode: "input" } };
/**
 * A body is documented schema by schema along each pipe: jsonObject() is a check for an object followed by the
 * object's own schema, which "input" would stop before.
 */
const BODY_DOC = { options: { typeMode: "ignore" } };

type Issues = readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]];

/** The hook: a failure is 400 `validation_failed` naming the first problem; `names` renames a top-level key in it. */
function refuse(skip: number, names: Record<string, string> = {}) {
  return (result: { success: boolean; issues?: Issues }) => {
    if (result.success || !result.issues) return;
    const [first, ...rest] = result.issues;
    const path = first.path?.map((p, i) => (i === 0 && typeof p.key === "string" && names[p.key] ? { ...p, key: names[p.key] } : p));
    const issues = [path ? ({ ...first, path } as v.BaseIssue<unknown>) : first, ...rest] as const;
    throw new AppError("validation_failed", issueReason(issues, skip));
  };
}

type Validated<T extends keyof ValidationTargets, S extends v.GenericSchema> = MiddlewareHandler<
  AppEnv,
  string,
  { in: { [K in T]: v.InferInput<S> }; out: { [K in T]: v.InferOutput<S> } }
>;

/**
 * The path parameters (an object schema keyed by the route's parameter names). `bare`: the reason leaves the
 * parameter's name out, as the routes taking one address or id have always answered ("must be an email address");
 * `names`: the reason calls a parameter so (`:id` of a campaign is "campaignId: …").
 */
export function params<S extends v.GenericSchema>(
  schema: S,
  options: { bare?: boolean; names?: Record<string, string> } = {},
): Validated<"param", S> {
  const middleware = vValidator("param", schema, refuse(options.bare ? 1 : 0, options.names)) as unknown as Validated<"param", S>;
  return Object.assign(middleware, { [uniqueSymbol]: { target: "param", ...resolver(schema, REQUEST_DOC) } });
}

/** Hono hands a repeated query key over as an array; this API has always read its first value (as c.req.query() does). */
function firstValues<S extends v.GenericSchema>(schema: S) {
  return v.pipe(
    v.record(v.string(), v.union([v.string(), v.array(v.string())])),
    v.transform((q): Record<string, unknown> => Object.fromEntries(Object.entries(q).map(([k, x]) => [k, Array.isArray(x) ? x[0] : x]))),
    schema as v.GenericSchema<Record<string, unknown>, v.InferOutput<S>>,
  );
}

/** The query string; documented by `schema` itself, which sees each key's first value. */
export function query<S extends v.GenericSchema>(schema: S): Validated<"query", S> {
  const middleware = vValidator("query", firstValues(schema), refuse(0)) as unknown as Validated<"query", S>;
  return Object.assign(middleware, { [uniqueSymbol]: { target: "query", ...resolver(schema, REQUEST_DOC) } });
}

/**
 * The JSON body, read only behind limitBody(). Not vValidator's json target: that one reads nothing unless the
 * Content-Type says JSON and answers malformed JSON with its own 400, where this API has always parsed the body
 * whatever its type and answered `invalid_json`. `optional`: an empty body stands for `{}`.
 */
export function json<S extends v.GenericSchema>(schema: S, options: { optional?: boolean } = {}): Validated<"json", S> {
  const middleware: Validated<"json", S> = async (c, next) => {
    const text = await bodyText(c);
    const body = options.optional && text.trim() === "" ? parseJsonWith(schema, "{}") : parseJsonWith(schema, text);
    c.req.addValidatedData("json", body as object);
    await next();
  };
  const spec = {
    requestBody: { required: !options.optional, content: { "application/json": { schema: resolver(schema, BODY_DOC) } } },
  };
  return Object.assign(middleware, { [uniqueSymbol]: { spec } });
}
