// The audience breakdown (issue 26 §2): human opens by mail client, human clicks by browser, device, OS and country,
// events and people, exactly once with the other counters.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { campaignStats } from "../../src/objects/stats-client";
import { countedEvent } from "../../src/stats/counting";
import { api, getSettled, mint, recordingQueue, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages, redelivered } from "../support/queue";

const GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const APPLE_MAIL_IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)";
const CHROME_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

function ev(
  campaignId: string,
  type: "open" | "click",
  contact: string,
  userAgent: string,
  country: string | null,
  extra: Partial<TrackingEvent> = {},
) {
  return sampleEvent({
    campaignId,
    type,
    contactId: `${contact}@example.com`,
    email: `${contact}@example.com`,
    userAgent,
    machine: false,
    machineReason: "human",
    request: { method: "GET", accept: null, asn: null, country },
    ...(type === "click" ? { link: "https://shop.example.com/a", linkIndex: 0 } : {}),
    ...extra,
  });
}

describe("the CampaignStats breakdown", () => {
  it("counts clients, browsers, devices, OS and countries once per event and once per person, replays changing nothing", async () => {
    const campaignId = uniqueId("aud");
    const events = [
      ev(campaignId, "open", "ann", APPLE_MAIL_IOS, "FR"),
      ev(campaignId, "open", "ann", APPLE_MAIL_IOS, "FR"),
      ev(campaignId, "open", "bob", GMAIL_PROXY, "US"),
      ev(campaignId, "open", "cat", OUTLOOK, "DE"),
      ev(campaignId, "open", "dan", "Mozilla/5.0", "US", { machine: true, machineReason: "bare_agent" }),
      ev(campaignId, "click", "ann", CHROME_WIN, "FR"),
      ev(campaignId, "click", "cat", CHROME_WIN, null),
    ].map(countedEvent);
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    await stub.record(events.slice(0, 4), campaignId);
    await stub.record(events, campaignId);
    await stub.record(events, campaignId);
    const a = await stub.audience();
    expect(a.clients).toEqual([
      { name: "Apple Mail", opens: 2, openers: 1, clicks: 0, clickers: 0 },
      { name: "Chrome", opens: 0, openers: 0, clicks: 2, clickers: 2 },
      { name: "Gmail", opens: 1, openers: 1, clicks: 0, clickers: 0 },
      { name: "Outlook desktop", opens: 1, openers: 1, clicks: 0, clickers: 0 },
    ]);
    expect(a.devices).toEqual([
      { name: "desktop", opens: 1, openers: 1, clicks: 2, clickers: 2 },
      { name: "mobile", opens: 2, openers: 1, clicks: 0, clickers: 0 },
      // Gmail's proxy says nothing of the reader's device.
      { name: "unknown", opens: 1, openers: 1, clicks: 0, clickers: 0 },
    ]);
    expect(a.os.map((o) => [o.name, o.opens, o.clicks])).toEqual([
      ["Windows", 1, 2],
      ["iOS", 2, 0],
      ["unknown", 1, 0],
    ]);
    // The proxied open's US is the proxy's: left out; the machine open too; a click without a country has none.
    expect(a.countries).toEqual([
      { country: "FR", opens: 2, openers: 1, clicks: 1, clickers: 1 },
      { country: "DE", opens: 1, openers: 1, clicks: 0, clickers: 0 },
    ]);
    // The headline counters read as before.
    expect((await stub.counts()).opens).toBe(4);
  });
});

/** One request through the worker's edge with `cf` injected (locally a placeholder); answers the events it queued. */
async function viaEdge(path: string, ip: string, userAgent: string, cf: Record<string, unknown>): Promise<TrackingEvent[]> {
  const { queue, sent } = recordingQueue();
  const init = { headers: { "user-agent": userAgent, "cf-connecting-ip": ip, accept: "text/html,*/*;q=0.8" }, cf } as RequestInit;
  const res = await getSettled(path, init, { ...env, EVENTS: queue });
  expect(res.status).toBeLessThan(400);
  return sent.flatMap((body) => (body as { events: TrackingEvent[] }).events);
}

describe("GET /api/campaigns/<id>/audience", () => {
  it("breaks down opens and clicks from the real edge routes and queue, with cf.country, counted once under redelivery", async () => {
    const campaignId = uniqueId("aud-api");
    const open = (contact: string) => mint({ kind: "open", campaignId, contact });
    const click = (contact: string) => mint({ kind: "click", campaignId, contact, url: "https://shop.example/a", linkIndex: 0 });
    const events = [
      ...(await viaEdge(`/o/${await open("ann@example.com")}.gif`, "203.0.113.10", APPLE_MAIL_IOS, { country: "FR", asn: 3215 })),
      ...(await viaEdge(`/o/${await open("bob@example.com")}.gif`, "66.249.93.84", GMAIL_PROXY, { country: "US", asn: 15169 })),
      ...(await viaEdge(`/c/${await click("ann@example.com")}`, "203.0.113.10", CHROME_WIN, { country: "FR", asn: 3215 })),
    ];
    expect(events.map((e) => e.request?.country)).toEqual(["FR", "US", "FR"]);
    const batch = messages(events.map((e) => envelope([e])));
    expect((await deliver(EVENTS_QUEUE, batch)).retryMessages).toEqual([]);
    expect((await deliver(EVENTS_QUEUE, redelivered(batch, 2))).retryMessages).toEqual([]);

    const res = await api(`/campaigns/${campaignId}/audience`);
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toEqual({
      campaignId,
      clients: [
        { name: "Apple Mail", opens: 1, openers: 1, clicks: 0, clickers: 0 },
        { name: "Chrome", opens: 0, openers: 0, clicks: 1, clickers: 1 },
        { name: "Gmail", opens: 1, openers: 1, clicks: 0, clickers: 0 },
      ],
      devices: [
        { name: "desktop", opens: 0, openers: 0, clicks: 1, clickers: 1 },
        { name: "mobile", opens: 1, openers: 1, clicks: 0, clickers: 0 },
        { name: "unknown", opens: 1, openers: 1, clicks: 0, clickers: 0 },
      ],
      os: [
        { name: "iOS", opens: 1, openers: 1, clicks: 0, clickers: 0 },
        { name: "unknown", opens: 1, openers: 1, clicks: 0, clickers: 0 },
        // Ties are in name order.
        { name: "Windows", opens: 0, openers: 0, clicks: 1, clickers: 1 },
      ],
      // Gmail's proxy fetched from the US for a reader who may be anywhere: not counted.
      countries: [{ country: "FR", opens: 1, openers: 1, clicks: 1, clickers: 1 }],
    });
  });

  it("leaves the other readers of the counters as they were: the stats and timeline know nothing of the new rows", async () => {
    const campaignId = uniqueId("aud-readers");
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    await stub.record([countedEvent(ev(campaignId, "open", "ann", OUTLOOK, "DE"))], campaignId);
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ opens: Record<string, unknown> }>();
    expect(stats.opens).toEqual({ total: 1, unique: 1, machine: 0, machineByReason: {}, ses: 0 });
    const names = new Set((await stub.hours(0, Number.MAX_SAFE_INTEGER)).map((r) => r.name));
    expect([...names].sort()).toEqual(["opens", "opensUnique"]);
  });

  it("is empty for a campaign with nothing counted, and 400 for a bad id", async () => {
    const body = await (await api(`/campaigns/${uniqueId("aud-none")}/audience`)).json<Record<string, unknown>>();
    expect(body).toMatchObject({ clients: [], devices: [], os: [], countries: [] });
    expect((await api("/campaigns/%20/audience")).status).toBe(400);
  });
});
