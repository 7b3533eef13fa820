// /api/contacts/<email>/events: everything that happened for one address, newest first.

import { Hono } from "hono";
import { database } from "../db/client";
import { contactEvents, eventJson } from "../db/contact-events";
import { normalizeEmail } from "../domain/email";
import { Email } from "../domain/schemas";
import { validateWith } from "./body";
import { decodeCursor, EventCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "../app-env";

export const contactsApi = new Hono<AppEnv>();

contactsApi.get("/:email/events", async (c) => {
  const email = normalizeEmail(validateWith(Email, c.req.param("email")));
  const query = validateWith(PageQuery, c.req.query());
  const before = decodeCursor(query.cursor, EventCursor);
  const result = await readPage(
    query.limit,
    (rows) => contactEvents(database(c.env.DB), email, before, rows),
    (last) => ({ at: last.occurredAt, id: last.id }),
  );
  return c.json({ items: result.items.map(eventJson), cursor: result.cursor });
});
