// The sunset policy: preview, count, apply in bounded steps, repeat idempotently, and a lift that holds.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sunsetCountQuery, sunsetPageQuery } from "../../src/db/sunset";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { SUNSET_BATCH } from "../../src/routes/sunset";
import { api, HEAD_REQUEST, sampleEvent, uniqueId } from "../support/helpers";

const DAY = 86_400_000;
/** More sends than other tests give anyone, so the policy names only this file's contacts. */
const SENDS = 7;

interface Preview {
  count: number;
  items: { contactId: string; email: string; sends: number; lastSentAt: string }[];
  cursor: string | null;
}

/** ann opened as a person; bob only through a scanner; cat did nothing; dan had too few sends; eve clicked before the window; fay is suppressed. */
async function seed() {
  const tag = uniqueId("sun").slice(-8);
  const who = (name: string) => `${name}.${tag}@example.com`;
  const now = Date.now();
  const ev = (type: TrackingEvent["type"], name: string, daysAgo: number, over: Partial<TrackingEvent> = {}) =>
    sampleEvent({ campaignId: `sun-${tag}-${daysAgo}`, type, contactId: who(name), email: who(name), occurredAt: now - daysAgo * DAY, ...over });
  const sends = (name: string, n = SENDS) => Array.from({ length: n }, (_, i) => ev("send", name, i + 1));
  await applyEvents(env, [
    ...["ann", "bob", "cat", "eve", "fay"].flatMap((n) => sends(n)),
    ...sends("dan", SENDS - 1),
    ev("open", "ann", 1),
    ev("open", "bob", 1, { request: HEAD_REQUEST }),
    ev("click", "bob", 2, { link: "https://example.com/", linkIndex: 0, request: HEAD_REQUEST }),
    ev("click", "eve", 40, { link: "https://example.com/", linkIndex: 0 }),
  ]);
  expect((await api("/suppressions", { method: "POST", json: { email: who("fay") } })).status).toBe(201);
  return { who, mine: (emails: string[]) => emails.filter((e) => e.includes(tag)).sort() };
}

async function preview(q: string): Promise<Preview> {
  const res = await api(`/segments/sunset?${q}`);
  expect(res.status, q).toBe(200);
  return res.json();
}

const post = (body: unknown) => api("/segments/sunset", { method: "POST", json: body });

describe("/api/segments/sunset", () => {
  it("previews who showed no human open or click: machine-only engagement does not count", async () => {
    const { who, mine } = await seed();
    const page = await preview(`minSends=${SENDS}&days=30&limit=1000`);
    expect(mine(page.items.map((i) => i.email))).toEqual([who("bob"), who("cat"), who("eve")]);
    expect(page.count).toBe(page.items.length);
    expect(page.items.find((i) => i.email === who("cat"))).toMatchObject({ sends: SENDS });

    // Pages of one, every contact once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const next: Preview = await preview(`minSends=${SENDS}&days=30&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(next.items.length).toBeLessThanOrEqual(1);
      seen.push(...next.items.map((i) => i.email));
      cursor = next.cursor;
    } while (cursor);
    expect(seen).toEqual(page.items.map((i) => i.email));
  });

  it("counts without apply and changes nothing; applies with reason sunset; a repeat skips them; a lift holds", async () => {
    const { who, mine } = await seed();
    const before = await preview(`minSends=${SENDS}&days=30&limit=1000`);
    const counted = await post({ minSends: SENDS, days: 30 });
    expect(counted.status).toBe(200);
    expect(await counted.json()).toMatchObject({ applied: false, count: before.count, suppressed: 0, remaining: before.count });
    expect((await api(`/suppressions?email=${encodeURIComponent(who("bob"))}`)).status).toBe(404);

    let remaining = Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const applied = await post({ minSends: SENDS, days: 30, apply: true });
      expect(applied.status).toBe(200);
      const answer = await applied.json<{ applied: boolean; suppressed: number; remaining: number }>();
      expect(answer.applied).toBe(true);
      expect(answer.suppressed).toBeLessThanOrEqual(SUNSET_BATCH);
      remaining = answer.remaining;
    }
    for (const name of ["bob", "cat", "eve"]) {
      const res = await api(`/suppressions?email=${encodeURIComponent(who(name))}`);
      expect(await res.json(), name).toMatchObject({ reason: "sunset", expiresAt: null });
    }
    expect(await (await api(`/suppressions?email=${encodeURIComponent(who("fay"))}`)).json()).toMatchObject({ reason: "manual" });
    expect((await api(`/suppressions?email=${encodeURIComponent(who("ann"))}`)).status).toBe(404);

    // A repeat finds nobody of them and writes no second history row.
    const again = await post({ minSends: SENDS, days: 30, apply: true });
    expect(await again.json()).toMatchObject({ applied: true, count: 0, suppressed: 0, remaining: 0 });
    const history = await env.DB.prepare("SELECT count(*) AS n FROM suppression_history WHERE email = ? AND action = 'suppress'")
      .bind(who("bob"))
      .first<{ n: number }>();
    expect(history?.n).toBe(1);

    // Lifting reverses it, and the policy does not bring it back within the window.
    expect((await api(`/suppressions/${encodeURIComponent(who("bob"))}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/suppressions?email=${encodeURIComponent(who("bob"))}`)).status).toBe(404);
    expect(mine((await preview(`minSends=${SENDS}&days=30`)).items.map((i) => i.email))).toEqual([]);
    expect(await (await post({ minSends: SENDS, days: 30, apply: true })).json()).toMatchObject({ suppressed: 0 });
  });

  it("suppresses at most a batch per call and says how many remain", async () => {
    const tag = uniqueId("many").slice(-8);
    const now = Date.now();
    const many = SENDS + 1; // a threshold only these contacts reach
    const people = Array.from({ length: SUNSET_BATCH + 1 }, (_, i) => `p${String(i).padStart(3, "0")}.${tag}@example.com`);
    await applyEvents(
      env,
      people.flatMap((email) =>
        Array.from({ length: many }, (_, d) =>
          sampleEvent({ campaignId: `many-${d}`, type: "send", contactId: email, email, occurredAt: now - (d + 1) * DAY }),
        ),
      ),
    );
    const first = await (await post({ minSends: many, days: 30, apply: true })).json();
    expect(first).toMatchObject({ count: SUNSET_BATCH + 1, suppressed: SUNSET_BATCH, remaining: 1 });
    const second = await (await post({ minSends: many, days: 30, apply: true })).json();
    expect(second).toMatchObject({ count: 1, suppressed: 1, remaining: 0 });
    expect(await (await api(`/suppressions?email=${encodeURIComponent(people[SUNSET_BATCH]!)}`)).json()).toMatchObject({ reason: "sunset" });
  });

  it("refuses bad bounds with a 400 and the reason", async () => {
    for (const [q, reason] of [
      ["days=30", /minSends/],
      ["minSends=3", /days/],
      ["minSends=0&days=30", /minSends: must be from 1 to 1000/],
      ["minSends=1001&days=30", /minSends/],
      ["minSends=x&days=30", /minSends/],
      ["minSends=3&days=0", /days: must be from 1 to 395/],
      ["minSends=3&days=396", /days.*RETENTION_DAYS/],
      ["minSends=3&days=30&cursor=bm9wZQ", /cursor/],
    ] as const) {
      const res = await api(`/segments/sunset?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toMatchObject({ error: "validation_failed", message: expect.stringMatching(reason) });
    }
    for (const [body, reason] of [
      [{ days: 30, apply: true }, /minSends/],
      [{ minSends: 1.5, days: 30 }, /minSends/],
      [{ minSends: 3, days: 400, apply: true }, /days/],
      [{ minSends: 3, days: 30, apply: "yes" }, /apply/],
      [[], /JSON object/],
    ] as const) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: "validation_failed", message: expect.stringMatching(reason) });
    }
  });
});

describe("sunset query plans", () => {
  it.each([
    ["page", sunsetPageQuery({ minSends: 3, since: 0, now: 0 }, "", 100)],
    ["count", sunsetCountQuery({ minSends: 3, since: 0, now: 0 })],
  ])("the %s walks the sends by index, every other test an index lookup", async (_name, { sql, params }) => {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const detail = results.map((r) => r.detail).join("\n");
    expect(detail).toContain("SEARCH s USING INDEX events_type_contact_time");
    expect(detail).toContain("suppressions_email_key");
    expect(detail).toContain("suppression_lifts_email_key");
    expect(detail).not.toMatch(/^SCAN (?!\(subquery|g\b)/m);
    expect(detail).not.toContain("TEMP B-TREE");
  });
});
