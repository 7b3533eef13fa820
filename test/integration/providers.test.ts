// Mailbox providers: each campaign's counts per provider, exactly once under redelivery, recounted by a rebuild.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { campaignStats } from "../../src/objects/stats-client";
import { forgetDecidedDomains } from "../../src/stats/mailbox-resolver";
import { stubMx } from "../support/doh";
import { api, HEAD_REQUEST, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

afterEach(() => {
  vi.restoreAllMocks();
  forgetDecidedDomains();
});

const H = Date.UTC(2026, 0, 10, 10);

/** Recipients at Gmail, Outlook.com and a Workspace domain (its MX stubbed), with one event of each kind counted. */
function mixed(campaignId: string, workspace: string): TrackingEvent[] {
  const ev = (type: TrackingEvent["type"], address: string, extra: Partial<TrackingEvent> = {}) =>
    sampleEvent({ campaignId, type, contactId: address, email: address, occurredAt: H, ...extra });
  const g = "ann@gmail.com";
  const o = "bob@outlook.com";
  const w = `cat@${workspace}`;
  const x = "dan@example.com";
  return [
    ...[g, o, w, x].map((who) => ev("send", who)),
    ...[g, o, w].map((who) => ev("delivery", who)),
    ev("bounce", x, { metadata: { bounceType: "Permanent" } }),
    ev("bounce", o, { metadata: { bounceType: "Transient" } }),
    ev("complaint", o),
    ev("open", g),
    ev("open", g),
    ev("open", w),
    ev("open", o, { request: HEAD_REQUEST }),
    ev("click", g, { link: "https://shop.example.com/a", linkIndex: 0 }),
    ev("click", w, { link: "https://shop.example.com/a", linkIndex: 0, userAgent: "python-requests/2.32.3" }),
  ];
}

const zero = {
  sent: 0,
  delivered: 0,
  bouncesHard: 0,
  bouncesSoft: 0,
  complaints: 0,
  opens: 0,
  opensUnique: 0,
  clicks: 0,
  clicksUnique: 0,
  unsubscribes: 0,
};
const EXPECTED = {
  google: { ...zero, sent: 2, delivered: 2, opens: 3, opensUnique: 2, clicks: 1, clicksUnique: 1 },
  microsoft: { ...zero, sent: 1, delivered: 1, bouncesSoft: 1, complaints: 1 },
  other: { ...zero, sent: 1, bouncesHard: 1 },
};

describe("counting by provider", () => {
  it("counts each recipient under its provider, a Workspace domain by its MX, once under redelivery, and again by a rebuild", async () => {
    const campaignId = uniqueId("prov");
    const workspace = `${uniqueId("acme")}.com`;
    const asked = stubMx({ [workspace]: ["1 smtp.google.com."] });
    const batch = messages(mixed(campaignId, workspace).map((e) => envelope([e])));
    expect((await deliver(EVENTS_QUEUE, batch)).retryMessages).toEqual([]);
    await deliver(EVENTS_QUEUE, batch);
    await deliver(EVENTS_QUEUE, batch.slice(3, 9));
    expect(asked).toEqual([workspace]);
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    expect(await stub.providers()).toEqual(EXPECTED);
    // The headline counters are untouched by the provider rows.
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ sent: number; opens: { total: number } }>();
    expect(stats).toMatchObject({ sent: 4, opens: { total: 3 } });

    // A rebuild reuses the stored decision: DNS is not asked again.
    forgetDecidedDomains();
    expect((await api(`/campaigns/${campaignId}/rebuild`, { method: "POST" })).status).toBe(200);
    expect(await stub.providers()).toEqual(EXPECTED);
    expect(asked).toEqual([workspace]);
  });

  it("answers GET /api/campaigns/<id>/providers with the campaign's rates per provider, Google's complaints unknown", async () => {
    const campaignId = uniqueId("provapi");
    const workspace = `${uniqueId("acme")}.com`;
    stubMx({ [workspace]: ["1 smtp.google.com."] });
    await deliver(EVENTS_QUEUE, messages(mixed(campaignId, workspace).map((e) => envelope([e]))));
    const res = await api(`/campaigns/${campaignId}/providers`);
    expect(res.status).toBe(200);
    const body = await res.json<{ campaignId: string; items: Array<Record<string, unknown> & { provider: string }> }>();
    expect(body.campaignId).toBe(campaignId);
    expect(body.items.map((i) => i.provider)).toEqual(["google", "microsoft", "other"]);
    const [google, microsoft] = body.items;
    expect(google).toEqual({
      provider: "google",
      name: "Google (Gmail, Workspace)",
      sent: 2,
      delivered: 2,
      bounces: { hard: 0, soft: 0 },
      complaints: 0,
      opens: { human: 3, unique: 2 },
      clicks: { human: 1, unique: 1 },
      unsubscribes: 0,
      rates: { delivery: 1, open: 1, click: 0.5, clickToOpen: 0.5, bounce: 0, complaint: null, unsubscribe: 0 },
      complaintsReported: false,
      note: expect.stringContaining("Postmaster Tools"),
    });
    expect(microsoft).toMatchObject({ complaints: 1, complaintsReported: true, note: null, rates: { complaint: 1, bounce: 1 } });
  });

  it("gives a one-provider campaign exactly the campaign's rates", async () => {
    const campaignId = uniqueId("provrates");
    const list = mixed(campaignId, "x.example").map((e) => ({ ...e, contactId: e.contactId!.replace(/@.*/, "@outlook.com") }));
    await deliver(EVENTS_QUEUE, messages(list.map((e) => envelope([e]))));
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ rates: Record<string, number> }>();
    const { items } = await (await api(`/campaigns/${campaignId}/providers`)).json<{ items: Array<{ provider: string; rates: unknown }> }>();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ provider: "microsoft", rates: stats.rates });
  });

  it("sums the campaigns for GET /api/providers", async () => {
    const campaignId = uniqueId("provacct");
    await deliver(
      EVENTS_QUEUE,
      messages([envelope([sampleEvent({ campaignId, type: "send", contactId: "eve@proton.me", occurredAt: Date.now() })])]),
    );
    const before = await campaignStats(env.CAMPAIGN_STATS, campaignId).providers();
    expect(before.proton?.sent).toBe(1);
    const res = await api("/providers");
    expect(res.status).toBe(200);
    const body = await res.json<{ items: Array<{ provider: string; sent: number }>; campaigns: number; complete: boolean }>();
    expect(body.complete).toBe(true);
    expect(body.campaigns).toBeGreaterThan(0);
    expect(body.items.find((i) => i.provider === "proton")?.sent).toBeGreaterThanOrEqual(1);
  });
});
