// What each /api route answers, for /openapi.json: its success schema and its error codes grouped by HTTP status.

import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver, type ResponsesWithResolver } from "hono-openapi";
import type * as v from "valibot";
import { errorBody } from "../domain/api-contract";
import { AppError, type ErrorCode } from "../lib/errors";

/** Any /api route can answer these: no or a wrong token, a malformed configuration, a fault of ours. */
const ALWAYS: readonly ErrorCode[] = ["unauthorized", "misconfigured", "internal"];
/** A route that validates its path or query. */
export const INPUT: readonly ErrorCode[] = ["validation_failed"];
/** A route that takes a JSON body (behind limitBody). */
export const BODY: readonly ErrorCode[] = ["validation_failed", "invalid_json", "payload_too_large"];

type Success =
  | { status?: 200 | 201 | 202; schema: v.GenericSchema; description?: string; alsoText?: string }
  | { status: 204; description: string }
  | { status: 200; binary: string; description: string };

export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  ok: Success;
  errors?: readonly ErrorCode[];
}

/** Error responses by status, each with the error body schema restricted to the codes that status carries here. */
function errorResponses(codes: readonly ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = new AppError(code, "").status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.join(", "),
        content: { "application/json": { schema: resolver(errorBody(list as [string, ...string[]])) } },
      },
    ]),
  );
}

function successResponse(ok: Success): ResponsesWithResolver {
  if (ok.status === 204) return { "204": { description: ok.description } };
  if ("binary" in ok)
    return { "200": { description: ok.description, content: { [ok.binary]: { schema: { type: "string", contentMediaType: ok.binary } } } } };
  // `alsoText`: the same answer offered as text of that media type too (a CSV download beside the JSON pages).
  const text = ok.alsoText === undefined ? {} : { [ok.alsoText]: { schema: { type: "string" as const, contentMediaType: ok.alsoText } } };
  return {
    [String(ok.status ?? 200)]: { description: ok.description ?? "OK", content: { "application/json": { schema: resolver(ok.schema) }, ...text } },
  };
}

/** The route's entry in the document; it does nothing at request time. */
export function doc(route: RouteDoc): MiddlewareHandler {
  return describeRoute({
    summary: route.summary,
    description: route.description,
    tags: [route.tag],
    responses: { ...successResponse(route.ok), ...errorResponses(route.errors ?? []) },
  });
}
