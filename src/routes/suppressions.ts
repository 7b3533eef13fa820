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
import { JSON_LIMIT, limitBody } from "./body";
import { page, Suppression } from "../domain/api-contract";
import { BODY, doc, INPUT } from "./describe";
import { json, params, query } from "./validate";
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
const EmailParam = v.object({ email: Email });

export const suppressionsApi = new Hono<AppEnv>();

suppressionsApi.get(
  "/",
  doc({
    tag: "Suppressions",
    summary: "One address's suppression (?email=), or a page of them (?q= filters by a part of the address)",
    ok: { schema: v.union([Suppression, page(Suppression)]), description: "with email: that suppression; without: a page" },
    errors: [...INPUT, "not_found"],
  }),
  query(ListQuery),
  async (c) => {
    const query = c.req.valid("query");
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
  },
);

suppressionsApi.post(
  "/",
  doc({ tag: "Suppressions", summary: "Suppress an address by hand", ok: { status: 201, schema: Suppression }, errors: BODY }),
  limitBody(JSON_LIMIT),
  json(AddRequest),
  async (c) => {
    const body = c.req.valid("json");
    const suppression = await addSuppression(database(c.env.DB), normalizeEmail(body.email), body.reason);
    return c.json(suppressionJson(suppression), 201);
  },
);

suppressionsApi.delete(
  "/:email",
  doc({
    tag: "Suppressions",
    summary: "Lift an address's suppression",
    ok: { status: 204, description: "lifted (or it was not suppressed)" },
    errors: INPUT,
  }),
  params(EmailParam, { bare: true }),
  async (c) => {
    const { email } = c.req.valid("param");
    await liftSuppression(database(c.env.DB), normalizeEmail(email), Date.now(), await addressHashFor(config(c.env).privacy, email));
    return c.body(null, 204);
  },
);
