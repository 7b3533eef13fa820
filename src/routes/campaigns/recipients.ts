// GET /api/campaigns/<id>/recipients: who engaged as a person, only through machines, or not at all; JSON pages or CSV.

import { Hono } from "hono";
import * as v from "valibot";
import { database, type Db } from "../../db/client";
import { ENGAGED, recipientPage, type RecipientRow, type RecipientSpec } from "../../db/recipients";
import { normalizeDestination } from "../../domain/destination";
import { HttpUrl } from "../../domain/schemas";
import { RecipientPage, type Recipient } from "../../domain/api-contract";
import { csvRow } from "../../lib/csv";
import { doc, INPUT } from "../describe";
import { query } from "../validate";
import { decodeCursor, pageQuery, readPage } from "../pagination";
import { campaignParam } from "./params";
import type { AppEnv } from "../app-env";

const RecipientsQuery = v.object({
  engaged: v.picklist(ENGAGED, `must be one of ${ENGAGED.join(", ")}`),
  link: v.optional(HttpUrl),
  format: v.optional(v.picklist(["json", "csv"], "must be json or csv"), "json"),
  ...pageQuery(100, 1000).entries,
});
const Cursor = v.object({ after: v.pipe(v.string(), v.minLength(1), v.maxLength(300)) });
/** Rows per D1 read while streaming CSV: memory holds one page, whatever the campaign's size. */
export const CSV_PAGE = 500;
const CSV_HEADER = ["email", "contact_id", "engaged", "machine_only", "first_engaged_at", "last_engaged_at"];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function recipientJson(row: RecipientRow): Recipient {
  const human = row.human_first !== null;
  const machineOnly = !human && row.machine_first !== null;
  return {
    contactId: row.contact_id,
    email: row.email,
    engaged: human ? "human" : machineOnly ? "machine" : "none",
    machineOnly,
    firstEngagedAt: iso(human ? row.human_first : row.machine_first),
    lastEngagedAt: iso(human ? row.human_last : row.machine_last),
  };
}

/** The CSV, read from D1 a page at a time as the client takes it (a pull stream: nothing is read ahead of need). */
function csvStream(db: Db, spec: Omit<RecipientSpec, "limit">): ReadableStream<Uint8Array> {
  const utf8 = new TextEncoder();
  let after = spec.after;
  let done = false;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(utf8.encode(csvRow(CSV_HEADER)));
        return;
      }
      if (done) return controller.close();
      const rows = await recipientPage(db, { ...spec, after, limit: CSV_PAGE });
      if (rows.length < CSV_PAGE) done = true;
      if (rows.length > 0) after = rows[rows.length - 1]!.contact_id;
      const text = rows
        .map(recipientJson)
        .map((r) => csvRow([r.email, r.contactId, r.engaged, r.machineOnly, r.firstEngagedAt, r.lastEngagedAt]))
        .join("");
      if (text !== "") controller.enqueue(utf8.encode(text));
      if (done) controller.close();
    },
  });
}

export const campaignRecipients = new Hono<AppEnv>();

campaignRecipients.get(
  "/:id/recipients",
  doc({
    tag: "Campaigns",
    summary: "The campaign's recipients by engagement: as people (human), only machines (machine), or no person (none)",
    description:
      "Recipients are the contacts the campaign sent to. `link` counts only clicks of that link. `format=csv` streams every " +
      "match as text/csv (RFC 4180, a header row, formula-looking cells prefixed with a single quote) and ignores cursor and limit.",
    ok: { schema: RecipientPage, alsoText: "text/csv", description: "a page (JSON), or with format=csv the whole list as text/csv" },
    errors: INPUT,
  }),
  campaignParam,
  query(RecipientsQuery),
  async (c) => {
    const campaignId = c.req.valid("param").id;
    const query = c.req.valid("query");
    const db = database(c.env.DB);
    const spec = {
      campaignId,
      engaged: query.engaged,
      link: query.link === undefined ? null : normalizeDestination(query.link),
      after: decodeCursor(query.cursor, Cursor)?.after ?? "",
    };
    if (query.format === "csv") {
      return c.body(csvStream(db, { ...spec, after: "" }), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${campaignId}-${query.engaged}.csv"`,
      });
    }
    const { items, cursor } = await readPage(
      query.limit,
      (rows) => recipientPage(db, { ...spec, limit: rows }),
      (last) => ({ after: last.contact_id }),
    );
    return c.json({ campaignId, items: items.map(recipientJson), cursor });
  },
);
