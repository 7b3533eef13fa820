// /api/contacts/<email>: one address's events (newest first), everything held about it (export), and its erasure.

import { Hono } from "hono";
import { database } from "../db/client";
import { contactEvents, eventJson } from "../db/contact-events";
import { identityKey } from "../domain/identity";
import { Email } from "../domain/schemas";
import { erasePerson } from "../privacy/erase";
import { exportPerson } from "../privacy/export";
import { validateWith } from "./body";
import { decodeCursor, EventCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

export const contactsApi = new Hono<AppEnv>();

contactsApi.get("/:email/events", async (c) => {
  const email = identityKey(validateWith(Email, c.req.param("email")));
  const query = validateWith(PageQuery, c.req.query());
  const before = decodeCursor(query.cursor, EventCursor);
  const result = await readPage(
    query.limit,
    (rows) => contactEvents(database(c.env.DB), email, before, rows),
    (last) => ({ at: last.occurredAt, id: last.id }),
  );
  return c.json({ items: result.items.map(eventJson), cursor: result.cursor });
});

/** The right of access: everything held about the address, as one JSON document. */
contactsApi.get("/:email/export", async (c) => {
  const email = validateWith(Email, c.req.param("email"));
  return c.json(await exportPerson(c.env, email));
});

/** The right to erasure: the address removed from every store; counts stay; a suppression stays as a keyed hash. */
contactsApi.delete("/:email", async (c) => {
  const email = validateWith(Email, c.req.param("email"));
  return c.json(await erasePerson(c.env, email));
});
