// /api/suppressions: read one or a page, add by hand, lift by hand (paths and shapes are a contract).

import { Hono } from "hono";
import { config } from "../config/config";
import * as v from "valibot";
import { database } from "../db/client";
import { addSuppression, liftSuppression, listSuppressions } from "../db/suppression-admin";
import { addressHashFor } from "../privacy/address-hash";
import { suppressionOf } from "../privacy/suppressed";
import { normalizeEmail } from "../domain/email";
import { Email, jsonObject } from "../domain/schemas";
import { suppressionJson } from "../domain/suppression";
import { AppError } from "../lib/errors";
import { jsonBody, JSON_LIMIT, limitBody, validateWith } from "./body";
import { decodeCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

const ManualReason = v.picklist(["manual", "hard_bounce", "complaint", "unsubscribe"]);
const AddRequest = jsonObject({ email: Email, reason: v.optional(ManualReason, "manual") });
const ListQuery = v.object({
  ...PageQuery.entries,
  email: v.optional(Email),
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(254, "must be at most 254 characters"))),
});
const EmailCursor = v.object({ after: v.string() });

export const suppressionsApi = new Hono<AppEnv>();

suppressionsApi.get("/", async (c) => {
  const query = validateWith(ListQuery, c.req.query());
  const db = database(c.env.DB);
  if (query.email !== undefined) {
    const found = await suppressionOf(config(c.env).privacy, db, query.email);
    if (!found) throw new AppError("not_found", `${normalizeEmail(query.email)} is not suppressed`);
    return c.json(suppressionJson(found));
  }
  const after = decodeCursor(query.cursor, EmailCursor)?.after ?? null;
  const result = await readPage(
    query.limit,
    (rows) => listSuppressions(db, after, rows, query.q || null),
    (last) => ({ after: last.email }),
  );
  return c.json({ items: result.items.map(suppressionJson), cursor: result.cursor });
});

suppressionsApi.post("/", limitBody(JSON_LIMIT), async (c) => {
  const body = await jsonBody(c, AddRequest);
  const suppression = await addSuppression(database(c.env.DB), normalizeEmail(body.email), body.reason);
  return c.json(suppressionJson(suppression), 201);
});

suppressionsApi.delete("/:email", async (c) => {
  const email = validateWith(Email, c.req.param("email"));
  await liftSuppression(database(c.env.DB), normalizeEmail(email), Date.now(), await addressHashFor(config(c.env).privacy, email));
  return c.body(null, 204);
});
