// /api/campaigns: the list with headline numbers, auth and validation on every route, end to end from the edge.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { applyEvents } from "../../src/pipeline/apply";
import { api, BROWSER_UA, get, mint, ORIGIN, sampleEvent, uniqueId } from "../support/helpers";

interface ListAnswer {
  campaigns: ({ campaignId: string; firstEventAt: string; lastEventAt: string } & Record<string, unknown>)[];
  nextCursor: string | null;
}

async function list(query = ""): Promise<ListAnswer> {
  const res = await api(`/campaigns${query}`);
  expect(res.status, query).toBe(200);
  return res.json<ListAnswer>();
}

describe("GET /api/campaigns", () => {
  it("lists campaigns newest activity first, with the same numbers as their stats, a page at a time", async () => {
    // Far in the future, so these three are the newest whatever else this file stored.
    const base = Date.UTC(2099, 0, 1);
    const ids = [uniqueId("list-a"), uniqueId("list-b"), uniqueId("list-c")];
    await applyEvents(env, [
      sampleEvent({ campaignId: ids[0]!, type: "send", occurredAt: base }),
      sampleEvent({ campaignId: ids[0]!, type: "delivery", occurredAt: base + 3_000 }),
      sampleEvent({ campaignId: ids[1]!, type: "send", occurredAt: base + 1_000 }),
      sampleEvent({ campaignId: ids[2]!, type: "send", occurredAt: base + 2_000 }),
      sampleEvent({ campaignId: ids[2]!, type: "open", occurredAt: base + 2_500 }),
    ]);

    const first = await list("?limit=2");
    expect(first.campaigns.map((c) => c.campaignId)).toEqual([ids[0], ids[2]]);
    expect(first.campaigns[0]).toMatchObject({
      firstEventAt: new Date(base).toISOString(),
      lastEventAt: new Date(base + 3_000).toISOString(),
      sent: 1,
      delivered: 1,
      rates: { delivery: 1 },
    });
    for (const c of first.campaigns) {
      const { firstEventAt: _f, lastEventAt: _l, ...numbers } = c;
      expect(numbers).toEqual(await (await api(`/campaigns/${c.campaignId}/stats`)).json());
    }
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.campaigns[0]!.campaignId).toBe(ids[1]);
  });

  it("refuses a cursor it did not give out and a page size out of range", async () => {
    for (const query of ["?cursor=abc", "?cursor=" + btoa('{"lastEventAt":"x"}').replace(/=+$/, ""), "?limit=0", "?limit=101", "?limit=ten"]) {
      const res = await api(`/campaigns${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ error: "validation_failed" });
    }
  });
});

describe("campaign routes", () => {
  const routes = (id: string): [string, string][] => [
    ["GET", `/campaigns/${id}/stats`],
    ["GET", `/campaigns/${id}/timeline`],
    ["GET", `/campaigns/${id}/links`],
    ["POST", `/campaigns/${id}/rebuild`],
  ];

  it("answer 401 without the bearer token, like every /api route", async () => {
    for (const [method, path] of [["GET", "/campaigns"], ["GET", "/segments?did=open"], ...routes("c1")] as [string, string][]) {
      const res = await exports.default.fetch(new Request(`${ORIGIN}/api${path}`, { method }));
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("answer 400 naming campaignId for an id that is not one", async () => {
    for (const bad of ["has%20space", "-leading", "x".repeat(65), "%F0%9F%99%82"]) {
      for (const [method, path] of routes(bad)) {
        const res = await api(path, { method });
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(await res.json()).toMatchObject({ error: "validation_failed", message: expect.stringMatching(/campaignId/) });
      }
    }
  });

  it("count what recipients do through the tracking edge and the real queue", async () => {
    const campaignId = uniqueId("e2e");
    const open = await mint({ kind: "open", campaignId, contact: "Reader@Example.com" });
    const click = await mint({ kind: "click", campaignId, contact: "Reader@Example.com", url: "https://example.com/x", linkIndex: 2 });
    // A person's browser: with no agent at all the requests would be counted as a machine's.
    const browser = { headers: { "user-agent": BROWSER_UA } };
    await get(`/o/${open}.gif`, browser);
    await get(`/o/${open}.gif`, browser);
    await get(`/c/${click}`, browser);
    const stats = await vi.waitUntil(
      async () => {
        const body = await (await api(`/campaigns/${campaignId}/stats`)).json<{ opens: { total: number }; clicks: { total: number } }>();
        return body.opens.total === 2 && body.clicks.total === 1 ? body : false;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(stats).toMatchObject({ opens: { total: 2, unique: 1 }, clicks: { total: 1, unique: 1 } });
    expect(await (await api(`/campaigns/${campaignId}/links`)).json()).toEqual({
      campaignId,
      links: [{ linkIndex: 2, url: "https://example.com/x", clicks: { total: 1, unique: 1, machine: 0 } }],
    });
    expect((await list("?limit=100")).campaigns.map((c) => c.campaignId)).toContain(campaignId);
  });
});
