// /api/contacts/<email>: one address's events (newest first), everything held about it (export), and its erasure.

import { Hono } from "hono";
import { database } from "../db/client";
import { contactEvents, eventJson } from "../db/contact-events";
import { identityKey } from "../domain/identity";
import { Email } from "../domain/schemas";
import { erasePerson } from "../privacy/erase";
import { exportPerson } from "../privacy/export";
import * as v from "valibot";
import { ContactEvent, ErasureReport, page, PersonExport } from "../domain/api-contract";
import { doc, INPUT } from "./describe";
import { params, query } from "./validate";
import { decodeCursor, EventCursor, PageQuery, readPage } from "./pagination";
import type { AppEnv } from "./app-env";

const EmailParam = params(v.object({ email: Email }), { bare: true });

export const contactsApi = new Hono<AppEnv>();

contactsApi.get(
  "/:email/events",
  doc({ tag: "Contacts", summary: "One address's events, newest first", ok: { schema: page(ContactEvent) }, errors: INPUT }),
  EmailParam,
  query(PageQuery),
  async (c) => {
    const email = identityKey(c.req.valid("param").email);
    const query = c.req.valid("query");
    const before = decodeCursor(query.cursor, EventCursor);
    const result = await readPage(
      query.limit,
      (rows) => contactEvents(database(c.env.DB), email, before, rows),
      (last) => ({ at: last.occurredAt, id: last.id }),
    );
    return c.json({ items: result.items.map(eventJson), cursor: result.cursor });
  },
);

/** The right of access: everything held about the address, as one JSON document. */
contactsApi.get(
  "/:email/export",
  doc({ tag: "Contacts", summary: "Everything held about an address (the right of access)", ok: { schema: PersonExport }, errors: INPUT }),
  EmailParam,
  async (c) => c.json(await exportPerson(c.env, c.req.valid("param").email)),
);

/** The right to erasure: the address removed from every store; counts stay; a suppression stays as a keyed hash. */
contactsApi.delete(
  "/:email",
  doc({ tag: "Contacts", summary: "Erase an address from every store (the right to erasure)", ok: { schema: ErasureReport }, errors: INPUT }),
  EmailParam,
  async (c) => c.json(await erasePerson(c.env, c.req.valid("param").email)),
);
