// GET /metrics: Prometheus's text format behind the API token, parsed by a Prometheus text parser; the account
// counters are exact after a known set of events, and stay exact when the shard call fails after the campaign
// object committed.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import parsePrometheus, { type ParsedFamily } from "parse-prometheus-text-format";
import { describe, expect, it, vi } from "vitest";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { AccountCounters } from "../../src/objects/account-counters";
import { campaignStats } from "../../src/objects/stats-client";
import { PROMETHEUS_CONTENT_TYPE } from "../../src/lib/prometheus";
import { api, BROWSER_UA, getSettled, HEAD_REQUEST, mint, ORIGIN, recordingQueue, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages, redelivered } from "../support/queue";
import { TEST_API_TOKEN } from "../support/secrets";

function scrape(token: string | null = TEST_API_TOKEN): Promise<Response> {
  const headers = token === null ? undefined : { authorization: `Bearer ${token}` };
  return exports.default.fetch(new Request(`${ORIGIN}/metrics`, { headers }));
}

async function families(): Promise<Map<string, ParsedFamily>> {
  const res = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
  const parsed = parsePrometheus(await res.text());
  return new Map(parsed.map((f) => [f.name, f]));
}

/** One sample's value by its labels (0 when absent: a counter not yet moved). */
function value(all: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = all.get(name);
  expect(family, name).toBeDefined();
  const sample = family!.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value) : 0;
}

const events = (all: Map<string, ParsedFamily>, type: string, verdict: string) => value(all, "mail_tracker_events_total", { type, verdict });

/** A known campaign: 3 sent, 2 delivered, a hard bounce, a complaint, 2 human opens and 1 machine, 1 human click. */
function knownEvents(campaignId: string): TrackingEvent[] {
  const now = Date.now();
  const ev = (type: TrackingEvent["type"], who: string, extra: Partial<TrackingEvent> = {}) =>
    sampleEvent({ campaignId, type, contactId: `${who}@example.com`, email: `${who}@example.com`, occurredAt: now, ...extra });
  return [
    ...["a", "b", "c"].map((who) => ev("send", who)),
    ...["a", "b"].map((who) => ev("delivery", who)),
    ev("bounce", "c", { metadata: { bounceType: "Permanent", bounceSubType: "General" } }),
    ev("complaint", "b"),
    ev("open", "a"),
    ev("open", "b"),
    ev("open", "b", { request: HEAD_REQUEST }),
    ev("click", "a", { link: "https://shop.example.com/a", linkIndex: 0 }),
  ];
}

/** What knownEvents adds to mail_tracker_events_total, by [type, verdict]. */
const KNOWN_DELTAS: ReadonlyArray<[string, string, number]> = [
  ["sent", "none", 3],
  ["delivered", "none", 2],
  ["bounce_hard", "none", 1],
  ["complaint", "none", 1],
  ["open", "human", 2],
  ["open", "machine", 1],
  ["click", "human", 1],
  ["click", "machine", 0],
  ["rejected", "none", 0],
];

/** The worker's click redirect from `ip` with a browser's agent; answers the events it put on the queue (not delivered). */
async function clickFrom(path: string, ip: string): Promise<TrackingEvent[]> {
  const { queue, sent } = recordingQueue();
  await getSettled(path, { headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": ip, accept: "text/html" } }, { ...env, EVENTS: queue });
  return sent.flatMap((body) => (body as { events: TrackingEvent[] }).events);
}

const asBatch = (list: TrackingEvent[]) => messages(list.map((e) => envelope([e])));

describe("GET /metrics", () => {
  it("refuses a missing or wrong bearer token with 401", async () => {
    expect((await scrape(null)).status).toBe(401);
    const wrong = await scrape("not-the-token");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
  });

  it("names, types and labels every family, with exact counts after a known set of events", async () => {
    const campaignId = uniqueId("metrics");
    const before = await families();
    expect((await deliver(EVENTS_QUEUE, asBatch(knownEvents(campaignId)))).retryMessages).toEqual([]);
    const after = await families();

    for (const f of after.values()) {
      expect(f.name).toMatch(/^mail_tracker_[a-z_]+$/);
      expect(f.help.length).toBeGreaterThan(0);
      expect(["COUNTER", "GAUGE"]).toContain(f.type);
      if (f.type === "COUNTER") expect(f.name).toMatch(/_total$/);
    }
    expect(after.get("mail_tracker_events_total")?.type).toBe("COUNTER");
    for (const [type, verdict, delta] of KNOWN_DELTAS)
      expect(events(after, type, verdict) - events(before, type, verdict), `${type}/${verdict}`).toBe(delta);

    // The campaign's own series: the same numbers as its stats.
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ sent: number; delivered: number; rates: Record<string, number> }>();
    const mine = { campaign: campaignId };
    expect(value(after, "mail_tracker_campaign_sent_total", mine)).toBe(3);
    expect(value(after, "mail_tracker_campaign_delivered_total", mine)).toBe(2);
    expect(value(after, "mail_tracker_campaign_bounce_rate", mine)).toBe(stats.rates.bounce);
    expect(value(after, "mail_tracker_campaign_complaint_rate", mine)).toBe(stats.rates.complaint);
    expect(value(after, "mail_tracker_campaign_delivery_rate", mine)).toBe(stats.rates.delivery);
    expect(value(after, "mail_tracker_campaign_guard_paused", mine)).toBe(0);
    expect(after.get("mail_tracker_campaign_sent_total")!.metrics.length).toBeLessThanOrEqual(100);

    for (const name of [
      "mail_tracker_sends",
      "mail_tracker_webhook_deliveries",
      "mail_tracker_dead_letters_pending",
      "mail_tracker_account_guard_paused",
    ]) {
      expect(after.get(name)?.type, name).toBe("GAUGE");
    }
    for (const m of after.get("mail_tracker_queue_backlog_messages")?.metrics ?? [])
      expect(["events", "send", "webhooks"]).toContain(m.labels?.queue);
  });

  it("counts the dead letters pending and the account guard from D1 and the guard", async () => {
    const before = value(await families(), "mail_tracker_dead_letters_pending");
    await env.DB.prepare("INSERT INTO dead_letters (message_id, queue, body, attempts, enqueued_at) VALUES (?, 'q', '{}', 1, 0)")
      .bind(uniqueId("dead"))
      .run();
    const after = await families();
    expect(value(after, "mail_tracker_dead_letters_pending") - before).toBe(1);
    expect(value(after, "mail_tracker_account_guard_paused")).toBe(0);
  });

  it("counts exactly once when the shard call fails after the campaign object committed, and recovers", async () => {
    const campaignId = uniqueId("metrics-fault");
    const before = await families();
    // Every shard refuses every report: the campaign object has committed its counts by then.
    const down = vi.spyOn(AccountCounters.prototype, "apply").mockImplementation(() => {
      throw new Error("shard unreachable");
    });
    const batch = asBatch(knownEvents(campaignId));
    expect((await deliver(EVENTS_QUEUE, batch)).retryMessages).toEqual([]);
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ sent: number }>();
    expect(stats.sent).toBe(3);
    const during = await families();
    expect(events(during, "sent", "none") - events(before, "sent", "none")).toBe(0);

    // The shard answers again: the campaign's alarm sends what was not acknowledged; a redelivery and more alarms add nothing.
    expect(down).toHaveBeenCalled();
    down.mockRestore();
    const campaign = campaignStats(env.CAMPAIGN_STATS, campaignId);
    expect(await runDurableObjectAlarm(campaign)).toBe(true);
    expect((await deliver(EVENTS_QUEUE, redelivered(batch, 2))).retryMessages).toEqual([]);
    await runDurableObjectAlarm(campaign);
    const after = await families();
    for (const [type, verdict, delta] of KNOWN_DELTAS)
      expect(events(after, type, verdict) - events(before, type, verdict), `${type}/${verdict}`).toBe(delta);
  });

  it("moves clicks settled later as machine from human to machine in the account counters", async () => {
    const campaignId = uniqueId("metrics-relabel");
    const before = await families();
    // Three links clicked from one /24 within seconds: each looks like a person's until the window settles a burst.
    const clicks: TrackingEvent[] = [];
    for (const i of [0, 1, 2]) {
      const token = await mint({ kind: "click", campaignId, contact: "dee@example.com", url: `https://shop.example/${i}`, linkIndex: i });
      clicks.push(...(await clickFrom(`/c/${token}`, `198.51.100.${10 + i}`)));
    }
    expect((await deliver(EVENTS_QUEUE, asBatch(clicks))).retryMessages).toEqual([]);
    const delta = (all: Map<string, ParsedFamily>, verdict: string) => events(all, "click", verdict) - events(before, "click", verdict);
    // The settling alarm (MACHINE_SETTLE_SECONDS = 1 in tests) relabels them and reports the new counters.
    const after = await vi.waitUntil(
      async () => {
        const all = await families();
        return delta(all, "machine") === 3 ? all : false;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(delta(after, "human")).toBe(0);
    const stats = await (await api(`/campaigns/${campaignId}/stats`)).json<{ clicks: { total: number; machine: number } }>();
    expect(stats.clicks).toMatchObject({ total: 0, machine: 3 });
  });
});
