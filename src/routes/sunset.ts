// /api/segments/sunset: preview, count or apply the sunset policy (no human open or click over enough recent sends).

import { Hono } from "hono";
import * as v from "valibot";
import { config } from "../config/config";
import { database, runBatch } from "../db/client";
import { suppressStatements } from "../db/suppression-admin";
import { sunsetCount, sunsetPage, type SunsetRow, type SunsetSpec } from "../db/sunset";
import { normalizeEmail } from "../domain/email";
import { jsonObject } from "../domain/schemas";
import { SunsetPreview, SunsetResult } from "../domain/api-contract";
import { AppError } from "../lib/errors";
import { JSON_LIMIT, limitBody } from "./body";
import { BODY, doc, INPUT } from "./describe";
import { json, query } from "./validate";
import { decodeCursor, pageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

const DAY_MS = 86_400_000;
const MAX_SENDS = 1000;
/** Contacts suppressed per POST: 2 statements each in one D1 batch, well inside a request's budget. */
export const SUNSET_BATCH = 100;

const WholeText = (name: string) => v.pipe(v.string(), v.regex(/^\d{1,6}$/, `${name} must be a whole number`), v.transform(Number));
const SunsetQuery = v.object({ minSends: WholeText("minSends"), days: WholeText("days"), ...pageQuery(100, 1000).entries });
const Whole = v.pipe(v.number("must be a whole number"), v.integer("must be a whole number"));
const SunsetRequest = jsonObject({ minSends: Whole, days: Whole, apply: v.optional(v.boolean("must be true or false"), false) });
const Cursor = v.object({ after: v.pipe(v.string(), v.minLength(1), v.maxLength(300)) });

/** The window's bounds are the deployment's: days cannot reach past what D1 still holds (RETENTION_DAYS). */
function policy(env: Env, minSends: number, days: number): SunsetSpec & { days: number } {
  const retention = config(env).privacy.retentionDays;
  if (minSends < 1 || minSends > MAX_SENDS) throw new AppError("validation_failed", `minSends: must be from 1 to ${MAX_SENDS}`);
  if (days < 1 || days > retention) throw new AppError("validation_failed", `days: must be from 1 to ${retention} (RETENTION_DAYS)`);
  const now = Date.now();
  return { minSends, days, since: now - days * DAY_MS, now };
}

const head = (p: ReturnType<typeof policy>) => ({ minSends: p.minSends, days: p.days, since: new Date(p.since).toISOString() });
const contactJson = (r: SunsetRow) => ({ contactId: r.contact_id, email: r.email, sends: r.sends, lastSentAt: new Date(r.last_sent).toISOString() });

export const sunset = new Hono<AppEnv>();

sunset.get(
  "/",
  doc({
    tag: "Segments",
    summary: "Preview the sunset policy: contacts sent at least minSends mails in the last days with no human open or click",
    ok: { schema: SunsetPreview },
    errors: INPUT,
  }),
  query(SunsetQuery),
  async (c) => {
    const q = c.req.valid("query");
    const p = policy(c.env, q.minSends, q.days);
    const db = database(c.env.DB);
    const after = decodeCursor(q.cursor, Cursor)?.after ?? "";
    const count = await sunsetCount(db, p);
    const page = await readPage(
      q.limit,
      (rows) => sunsetPage(db, p, after, rows),
      (last) => ({ after: last.contact_id }),
    );
    return c.json({ ...head(p), count, items: page.items.map(contactJson), cursor: page.cursor });
  },
);

sunset.post(
  "/",
  doc({
    tag: "Segments",
    summary: "Count the sunset policy's contacts, or with apply: true suppress up to 100 of them (reason sunset); repeat while remaining > 0",
    ok: { schema: SunsetResult },
    errors: BODY,
  }),
  limitBody(JSON_LIMIT),
  json(SunsetRequest),
  async (c) => {
    const body = c.req.valid("json");
    const p = policy(c.env, body.minSends, body.days);
    const db = database(c.env.DB);
    const count = await sunsetCount(db, p);
    if (!body.apply) return c.json({ ...head(p), applied: false, count, suppressed: 0, remaining: count });
    // Always the first page: those suppressed by an earlier call are no longer in it.
    const rows = await sunsetPage(db, p, "", SUNSET_BATCH);
    await runBatch(
      db,
      rows.flatMap((r) => suppressStatements(db, normalizeEmail(r.email), "sunset", p.now)),
    );
    return c.json({ ...head(p), applied: true, count, suppressed: rows.length, remaining: Math.max(0, count - rows.length) });
  },
);
