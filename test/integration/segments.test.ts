// Segments over D1: who did an event in a window, who was sent to and did not; pages; the indexes they use.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CAMPAIGN_EVENTS_PAGE_SQL } from "../../src/stats/stored-events";
import { segmentQuery, type SegmentSpec } from "../../src/db/segments";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { api, sampleEvent, uniqueId } from "../support/helpers";

const DAY = 86_400_000;

interface SegmentAnswer {
  segment: Record<string, unknown>;
  contacts: { contactId: string; lastAt: string }[];
  nextCursor: string | null;
}

async function segment(query: string): Promise<SegmentAnswer> {
  const res = await api(`/segments?${query}`);
  expect(res.status, query).toBe(200);
  return res.json<SegmentAnswer>();
}

/** Every page of a segment, following the cursors. */
async function allPages(query: string, limit: number): Promise<{ pages: number; contacts: string[] }> {
  const contacts: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: SegmentAnswer = await segment(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.contacts.length).toBeLessThanOrEqual(limit);
    contacts.push(...page.contacts.map((c) => c.contactId));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { pages, contacts };
}

/** A campaign's audience, each contact with a story; addresses unique to this call. */
async function seed() {
  const campaignId = uniqueId("seg");
  const other = uniqueId("seg-other");
  const tag = campaignId.slice(-8);
  const who = (name: string) => `${name}.${tag}@example.com`;
  const now = Date.now();
  const ev = (type: TrackingEvent["type"], name: string, daysAgo: number, campaign = campaignId) =>
    sampleEvent({ campaignId: campaign, type, contactId: who(name), email: who(name), occurredAt: now - daysAgo * DAY });
  await applyEvents(env, [
    ...["ann", "bob", "cat", "dan", "eve"].map((n) => ev("send", n, 100)),
    ev("open", "ann", 2),
    ev("open", "ann", 5),
    ev("click", "ann", 2),
    ev("open", "bob", 40), // opened, but not in the last 30 days
    ev("click", "bob", 120), // clicked, but not in the last 90 days
    ev("open", "cat", 29),
    ev("click", "dan", 10, other), // clicked recently, in another campaign
    ev("open", "fay", 1, other), // never sent this campaign
  ]);
  return { campaignId, other, who, now };
}

describe("GET /api/segments", () => {
  it("finds who opened in the last 30 days, in one campaign and across campaigns", async () => {
    const { campaignId, who } = await seed();
    const page = await segment(`did=open&within=30d&campaignId=${campaignId}`);
    expect(page.contacts.map((c) => c.contactId)).toEqual([who("ann"), who("cat")]);
    expect(page.segment).toMatchObject({ did: "open", campaignId });
    expect(Date.parse(page.contacts[0]!.lastAt)).toBeGreaterThan(Date.now() - 3 * DAY);
    expect(page.nextCursor).toBeNull();

    const everywhere = await allPages("did=open&within=30d", 500);
    expect(everywhere.contacts).toEqual(expect.arrayContaining([who("ann"), who("cat"), who("fay")]));
    expect(everywhere.contacts).not.toContain(who("bob"));
  });

  it("finds who was sent to but did not click in the last 90 days", async () => {
    const { campaignId, who } = await seed();
    const page = await segment(`didNot=click&within=90d&campaignId=${campaignId}`);
    // dan clicked, but in another campaign; bob's click is older than the window.
    expect(page.contacts.map((c) => c.contactId)).toEqual([who("bob"), who("cat"), who("dan"), who("eve")]);
    expect(page.segment).toMatchObject({ didNot: "click", campaignId });

    const everywhere = await allPages("didNot=click&within=90d", 500);
    expect(everywhere.contacts).toEqual(expect.arrayContaining([who("bob"), who("cat"), who("eve")]));
    expect(everywhere.contacts).not.toContain(who("dan"));
    expect(everywhere.contacts).not.toContain(who("ann"));
    expect(everywhere.contacts).not.toContain(who("fay"));
  });

  it("pages through a segment with cursors: every contact once, in order", async () => {
    const { campaignId, who } = await seed();
    const { pages, contacts } = await allPages(`did=send&campaignId=${campaignId}`, 2);
    expect(pages).toBe(3);
    expect(contacts).toEqual(["ann", "bob", "cat", "dan", "eve"].map(who));
  });

  it("refuses a question it cannot answer with a 400 and the reason", async () => {
    for (const [query, reason] of [
      ["within=30d", /exactly one of did or didNot/],
      ["did=open&didNot=click", /exactly one of did or didNot/],
      ["did=opened", /did/],
      ["did=open&within=30", /within/],
      ["did=open&within=99999d", /within/],
      ["did=open&campaignId=has%20space", /campaignId/],
      ["did=open&limit=0", /limit/],
      ["did=open&limit=5000", /limit/],
      ["did=open&cursor=bm9wZQ", /cursor/],
      ["did=open&cursor=%%%", /cursor/],
    ] as const) {
      const res = await api(`/segments?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toMatchObject({ error: "validation_failed", message: expect.stringMatching(reason) });
    }
  });
});

async function plan(sql: string, params: unknown[]): Promise<string> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

describe("query plans", () => {
  const spec = (over: Partial<SegmentSpec>): SegmentSpec => ({
    mode: "did",
    type: "open",
    since: 0,
    campaignId: null,
    after: "",
    limit: 100,
    ...over,
  });

  it.each([
    ["did", spec({}), "events_type_contact_time"],
    ["did, per campaign", spec({ campaignId: "c" }), "events_campaign_type_contact_time"],
    ["did not", spec({ mode: "didNot", type: "click" }), "events_type_contact_time"],
    ["did not, per campaign", spec({ mode: "didNot", type: "click", campaignId: "c" }), "events_campaign_type_contact_time"],
  ])("segment '%s' walks an index in contact order, with no table scan and no sort", async (_name, s, index) => {
    const { sql, params } = segmentQuery(s);
    const detail = await plan(sql, params);
    expect(detail).toContain(`USING COVERING INDEX ${index}`);
    expect(detail).not.toMatch(/^SCAN /m);
    expect(detail).not.toContain("TEMP B-TREE");
  });

  it("rebuild pages walk events_campaign_time in order", async () => {
    const detail = await plan(CAMPAIGN_EVENTS_PAGE_SQL, ["c", 0, 0, 1000]);
    expect(detail).toContain("USING INDEX events_campaign_time");
    expect(detail).not.toMatch(/^SCAN /m);
    expect(detail).not.toContain("TEMP B-TREE");
  });
});
