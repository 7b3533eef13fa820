// One pagination contract across the API's lists: `{ items, cursor }` from a limit+1 read (the last page has a null
// cursor, never a following empty page), one `limit` schema, and the older names kept beside it where promised.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyEvents } from "../../src/pipeline/apply";
import { api, sampleEvent, uniqueId } from "../support/helpers";

type Answer = { items: unknown[]; cursor: string | null } & Record<string, unknown>;

async function list(path: string): Promise<Answer> {
  const res = await api(path);
  expect(res.status, path).toBe(200);
  return res.json<Answer>();
}

/** Every page of a list, following `cursor`: each page is full but the last, and none is empty. */
async function walk(path: string, limit: number): Promise<{ pages: Answer[]; items: unknown[] }> {
  const pages: Answer[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: Answer = await list(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    pages.push(page);
    cursor = page.cursor;
    if (cursor) expect(page.items).toHaveLength(limit);
    else expect(page.items.length).toBeGreaterThan(0);
  } while (cursor);
  return { pages, items: pages.flatMap((p) => p.items) };
}

describe("GET /api/segments", () => {
  it("answers items and cursor beside contacts and nextCursor, and a page that ends the list has no cursor", async () => {
    const campaignId = uniqueId("pages-seg");
    const contacts = Array.from({ length: 6 }, (_, i) => `reader${i}@pages.example`);
    await applyEvents(
      env,
      contacts.map((email) => sampleEvent({ campaignId, type: "send", contactId: email, email })),
    );

    // Exactly as many contacts as the limit: one page, no cursor to an empty second one.
    const whole = await list(`/segments?did=send&campaignId=${campaignId}&limit=6`);
    expect(whole.cursor).toBeNull();
    expect(whole.nextCursor).toBeNull();
    expect(whole.items).toHaveLength(6);
    expect(whole.contacts).toEqual(whole.items);

    const { pages, items } = await walk(`/segments?did=send&campaignId=${campaignId}`, 4);
    expect(pages).toHaveLength(2);
    for (const page of pages) {
      expect(page.contacts).toEqual(page.items);
      expect(page.nextCursor).toEqual(page.cursor);
    }
    expect(items.map((i) => (i as { contactId: string }).contactId)).toEqual(contacts);
  });
});

describe("GET /api/campaigns", () => {
  it("answers items and cursor beside campaigns and nextCursor, over pages that end with a null cursor", async () => {
    const mine = Array.from({ length: 3 }, () => uniqueId("pages-camp"));
    await applyEvents(
      env,
      mine.map((campaignId) => sampleEvent({ campaignId, type: "send", occurredAt: Date.now() + 86_400_000 })),
    );
    const { pages, items } = await walk("/campaigns", 2);
    for (const page of pages) {
      expect(page.campaigns).toEqual(page.items);
      expect(page.nextCursor).toEqual(page.cursor);
    }
    const ids = items.map((i) => (i as { campaignId: string }).campaignId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of mine) expect(ids).toContain(id);
  });
});

describe("limit", () => {
  it("is checked the same way on every list: a whole number from 1 to the list's maximum", async () => {
    for (const [path, max] of [
      ["/campaigns", 100],
      ["/segments?did=send", 1000],
      ["/suppressions", 500],
      ["/dead-letters", 500],
      ["/contacts/a%40example.com/events", 500],
    ] as const) {
      const sep = path.includes("?") ? "&" : "?";
      for (const bad of ["0", "abc", String(max + 1), "-1", "1.5"]) {
        const res = await api(`${path}${sep}limit=${bad}`);
        expect(res.status, `${path} limit=${bad}`).toBe(400);
        expect(await res.json(), `${path} limit=${bad}`).toMatchObject({
          error: "validation_failed",
          message: expect.stringMatching(/^limit: must be /),
        });
      }
      expect((await api(`${path}${sep}limit=${max}`)).status, path).toBe(200);
    }
  });
});
