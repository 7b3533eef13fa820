// Who engaged: a campaign's recipients as people, machines only, or no person; JSON pages, CSV, and the query plan.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recipientQuery, type RecipientSpec } from "../../src/db/recipients";
import { CSV_PAGE } from "../../src/routes/campaigns/recipients";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { api, get, HEAD_REQUEST, sampleEvent, uniqueId } from "../support/helpers";

const DAY = 86_400_000;
const LINK = "https://example.com/offer";

interface Item {
  contactId: string;
  email: string;
  engaged: string;
  machineOnly: boolean;
  firstEngagedAt: string | null;
  lastEngagedAt: string | null;
}

/** ann: a person opened and clicked; bob: only a scanner (HEAD); cat: nothing; dan: a person clicked another link; =eve: a person opened. */
async function seed() {
  const campaignId = uniqueId("who");
  const tag = campaignId.slice(-8);
  const who = (name: string) => `${name}.${tag}@example.com`;
  const now = Date.now();
  const ev = (type: TrackingEvent["type"], name: string, daysAgo: number, over: Partial<TrackingEvent> = {}) =>
    sampleEvent({ campaignId, type, contactId: who(name), email: who(name), occurredAt: now - daysAgo * DAY, ...over });
  await applyEvents(env, [
    ...["ann", "bob", "cat", "dan", "=eve"].map((n) => ev("send", n, 20)),
    ev("open", "ann", 10),
    ev("click", "ann", 5, { link: LINK, linkIndex: 0 }),
    ev("open", "bob", 19, { request: HEAD_REQUEST }),
    ev("click", "bob", 19, { link: LINK, linkIndex: 0, request: HEAD_REQUEST }),
    ev("click", "dan", 3, { link: "https://example.com/other", linkIndex: 1 }),
    ev("open", "=eve", 2),
  ]);
  return { campaignId, who, now };
}

async function list(campaignId: string, q: string): Promise<{ items: Item[]; cursor: string | null }> {
  const res = await api(`/campaigns/${campaignId}/recipients?${q}`);
  expect(res.status, q).toBe(200);
  return res.json();
}

describe("GET /api/campaigns/<id>/recipients", () => {
  it("tells people from machines from nobody", async () => {
    const { campaignId, who, now } = await seed();
    const human = await list(campaignId, "engaged=human");
    expect(human.items.map((i) => i.contactId)).toEqual([who("=eve"), who("ann"), who("dan")]);
    const ann = human.items.find((i) => i.contactId === who("ann"))!;
    expect(ann).toMatchObject({ engaged: "human", machineOnly: false, email: who("ann") });
    expect(Date.parse(ann.firstEngagedAt!)).toBe(now - 10 * DAY);
    expect(Date.parse(ann.lastEngagedAt!)).toBe(now - 5 * DAY);

    const machine = await list(campaignId, "engaged=machine");
    expect(machine.items).toEqual([expect.objectContaining({ contactId: who("bob"), engaged: "machine", machineOnly: true })]);

    const none = await list(campaignId, "engaged=none");
    expect(none.items.map((i) => [i.contactId, i.machineOnly])).toEqual([
      [who("bob"), true],
      [who("cat"), false],
    ]);
    expect(none.items[1]).toMatchObject({ firstEngagedAt: null, lastEngagedAt: null });
  });

  it("narrows to clicks of one link", async () => {
    const { campaignId, who } = await seed();
    const human = await list(campaignId, `engaged=human&link=${encodeURIComponent(LINK)}`);
    expect(human.items.map((i) => i.contactId)).toEqual([who("ann")]);
    const none = await list(campaignId, `engaged=none&link=${encodeURIComponent(LINK)}`);
    expect(none.items.map((i) => i.contactId)).toEqual([who("=eve"), who("bob"), who("cat"), who("dan")]);
  });

  it("pages with cursors: every recipient once, in order", async () => {
    const { campaignId } = await seed();
    const all = (await list(campaignId, "engaged=none&limit=1000")).items.map((i) => i.contactId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Item[]; cursor: string | null } = await list(campaignId, `engaged=none&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((i) => i.contactId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(all);
  });

  it("streams CSV with a header, RFC 4180 quoting and formula-looking cells neutralised", async () => {
    const { campaignId, who } = await seed();
    const res = await api(`/campaigns/${campaignId}/recipients?engaged=human&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.csv"$/);
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe("email,contact_id,engaged,machine_only,first_engaged_at,last_engaged_at");
    expect(lines[1]).toMatch(new RegExp(`^'${who("=eve").replaceAll(".", "\\.")},'=eve\\.`));
    expect(lines.filter((l) => l !== "")).toHaveLength(4);
    expect(lines[lines.length - 1]).toBe("");
  });

  it("streams a CSV longer than one D1 page: every recipient once, in order", async () => {
    const campaignId = uniqueId("who-big");
    const emails = Array.from({ length: CSV_PAGE + 2 }, (_, i) => `r${String(i).padStart(4, "0")}.${campaignId.slice(-8)}@example.com`);
    await applyEvents(
      env,
      emails.map((email) => sampleEvent({ campaignId, type: "send", contactId: email, email, occurredAt: Date.now() - DAY })),
    );
    const res = await api(`/campaigns/${campaignId}/recipients?engaged=none&format=csv`);
    const rows = (await res.text()).split("\r\n").slice(1, -1);
    expect(rows.map((r) => r.split(",")[0])).toEqual(emails);
    expect(rows[0]).toBe(`${emails[0]},${emails[0]},none,false,,`);
  });

  it("is in the contract: JSON pages and the CSV", async () => {
    const doc = await (await get("/openapi.json")).json<{ paths: Record<string, { get?: { responses: Record<string, { content: object }> } }> }>();
    const content = doc.paths["/api/campaigns/{id}/recipients"]?.get?.responses["200"]?.content;
    expect(Object.keys(content ?? {})).toEqual(["application/json", "text/csv"]);
    expect(JSON.stringify(doc)).toContain('"sunset"');
  });

  it("refuses bad input with a 400 and the reason", async () => {
    const { campaignId } = await seed();
    for (const [q, reason] of [
      ["", /engaged/],
      ["engaged=people", /engaged/],
      ["engaged=human&link=not-a-url", /link/],
      ["engaged=human&link=javascript%3Aalert(1)", /link/],
      ["engaged=human&format=xlsx", /format/],
      ["engaged=human&cursor=bm9wZQ", /cursor/],
    ] as const) {
      const res = await api(`/campaigns/${campaignId}/recipients?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toMatchObject({ error: "validation_failed", message: expect.stringMatching(reason) });
    }
  });
});

describe("recipients query plan", () => {
  it.each([
    ["any engagement", null],
    ["one link", LINK],
  ])("walks the campaign's sends by index in contact order (%s), with no scan and no sort", async (_name, link) => {
    const spec: RecipientSpec = { campaignId: "c", engaged: "none", link, after: "", limit: 100 };
    const { sql, params } = recipientQuery(spec);
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const detail = results.map((r) => r.detail).join("\n");
    expect(detail).toContain("events_campaign_type_contact_time");
    // Only the page's own co-routine is scanned (its rows as they come), never a table.
    expect(detail).not.toMatch(/^SCAN (?!\(subquery)/m);
    expect(detail).not.toContain("TEMP B-TREE");
  });
});
