// Campaign counters: what each event counts, exactly once under replays and failures, and a rebuild from D1.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { APPLIED_ID_RETENTION_MS, type CampaignStats } from "../../src/objects/campaign-stats";
import { campaignStats } from "../../src/objects/stats-client";
import { COUNTERS, countedEvent } from "../../src/stats/counting";
import { parseSesMessage } from "../../src/ses/events";
import { faultyCounters, faultyD1 } from "../support/faults";
import { fixturePaths, fixtureText } from "../support/fixtures";
import { api, eventsFor, HEAD_REQUEST, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

const HOUR = 3_600_000;
/** 2026-01-10T10:00:00Z: an hour boundary well inside a UTC day. */
const H = Date.UTC(2026, 0, 10, 10);

async function json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T> {
  const res = await api(path, init);
  expect(res.status, path).toBe(200);
  return res.json<T>();
}

/** The stats answer's counters and rates (its `guard` part is the reputation guard's, tested in guard.test.ts). */
async function stats(campaignId: string): Promise<Record<string, unknown>> {
  const { guard: _guard, ...counts } = await json(`/campaigns/${campaignId}/stats`);
  return counts;
}

/** One queue message per event, the way the edge enqueues them. */
const asBatch = (list: TrackingEvent[]) => messages(list.map((e) => envelope([e])));

function stub(campaignId: string): DurableObjectStub<CampaignStats> {
  return campaignStats(env.CAMPAIGN_STATS, campaignId);
}

/** A campaign with every kind of event, and what its stats must say. */
function everyKind(campaignId: string): TrackingEvent[] {
  const at = (n: number) => H + n * 60_000;
  const ev = (type: TrackingEvent["type"], contact: string | null, extra: Partial<TrackingEvent> = {}) =>
    sampleEvent({
      campaignId,
      type,
      contactId: contact && `${contact}@example.com`,
      email: contact && `${contact}@example.com`,
      occurredAt: at(1),
      ...extra,
    });
  const u1 = "https://shop.example.com/a";
  const u2 = "https://shop.example.com/b";
  return [
    ...["a", "b", "c", "d"].map((who) => ev("send", who)),
    ...["a", "b", "c"].map((who) => ev("delivery", who)),
    ev("reject", "d"),
    ev("bounce", "x", { metadata: { bounceType: "Permanent", bounceSubType: "General" } }),
    ev("bounce", "y", { metadata: { bounceType: "Transient" } }),
    ev("bounce", "z", { metadata: { bounceType: "Undetermined" } }),
    ev("complaint", "c"),
    ev("delivery_delay", "b"),
    ev("delivery_delay", "b"),
    ev("rendering_failure", "a"),
    ev("subscription", "a", { metadata: { unsubscribeAll: false } }),
    // Unsubscribed through SES's list management as well as through ours: one unsubscriber.
    ev("subscription", "c", { metadata: { unsubscribeAll: true } }),
    ev("unsubscribe", "c"),
    ev("unsubscribe", "c"),
    ev("open", "a"),
    ev("open", "a", { occurredAt: at(70) }),
    ev("open", "a", { occurredAt: at(130) }),
    ev("open", "b"),
    ev("open", "c", { request: HEAD_REQUEST }),
    ev("open", "a", { metadata: { source: "ses" } }),
    ev("click", "a", { link: u1, linkIndex: 0 }),
    ev("click", "a", { link: u1, linkIndex: 0 }),
    ev("click", "b", { link: u1, linkIndex: 0 }),
    ev("click", "a", { link: u2, linkIndex: 1 }),
    ev("click", "c", { link: u1, linkIndex: 0, userAgent: "python-requests/2.32.3" }),
    ev("click", "a", { link: u1, metadata: { source: "ses" } }),
    // Not this campaign's: counted nowhere, and no error for it.
    sampleEvent({ campaignId: null, type: "open" }),
  ];
}

const EVERY_KIND_STATS = {
  sent: 4,
  delivered: 3,
  rejected: 1,
  opens: { total: 4, unique: 2, machine: 1, machineByReason: { head_request: 1 }, ses: 1 },
  clicks: { total: 4, unique: 2, machine: 1, machineByReason: { library_agent: 1 }, ses: 1 },
  bounces: { hard: 1, soft: 2 },
  complaints: 1,
  unsubscribes: 1,
  deliveryDelays: 2,
  renderingFailures: 1,
  subscriptionChanges: 2,
  rates: { delivery: 0.75, open: 0.6667, click: 0.6667, clickToOpen: 1, bounce: 0.75, complaint: 0.3333, unsubscribe: 0.3333 },
};

describe("what the counters count", () => {
  it("counts every event type, unique opens and clicks per contact, machine and SES opens apart", async () => {
    const campaignId = uniqueId("kinds");
    const result = await deliver(EVENTS_QUEUE, asBatch(everyKind(campaignId)));
    expect(result.retryMessages).toEqual([]);
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
  });

  it("counts clicks per link, total and unique, with machine clicks apart and SES clicks not at all", async () => {
    const campaignId = uniqueId("links");
    await deliver(EVENTS_QUEUE, asBatch(everyKind(campaignId)));
    expect(await json(`/campaigns/${campaignId}/links`)).toEqual({
      campaignId,
      links: [
        { linkIndex: 0, url: "https://shop.example.com/a", clicks: { total: 3, unique: 2, machine: 1 } },
        { linkIndex: 1, url: "https://shop.example.com/b", clicks: { total: 1, unique: 1, machine: 0 } },
      ],
    });
  });

  it("changes nothing when a batch is replayed, whole, in part or with its events regrouped", async () => {
    const campaignId = uniqueId("replay");
    const list = everyKind(campaignId);
    const batch = asBatch(list);
    await deliver(EVENTS_QUEUE, batch);
    await deliver(EVENTS_QUEUE, batch);
    await deliver(EVENTS_QUEUE, batch.slice(0, 10));
    await deliver(EVENTS_QUEUE, messages([envelope(list.slice(5, 25))]));
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
  });

  it("counts SES's events as parsed from SNS, keeping SES's own opens and clicks out of the headline", async () => {
    const campaignId = uniqueId("ses");
    const parsed: TrackingEvent[] = [];
    for (const path of fixturePaths("ses/event-publishing__")) {
      const result = await parseSesMessage(fixtureText(path), { messageId: crypto.randomUUID(), timestamp: "2024-05-01T12:00:00.000Z" });
      if (result.kind === "events") parsed.push(...result.events.map((e) => ({ ...e, campaignId })));
    }
    const n = (type: TrackingEvent["type"]) => parsed.filter((e) => e.type === type).length;
    expect(n("open")).toBeGreaterThan(0);
    expect(n("click")).toBeGreaterThan(0);
    await deliver(EVENTS_QUEUE, asBatch(parsed));
    expect(await stats(campaignId)).toMatchObject({
      sent: n("send"),
      delivered: n("delivery"),
      rejected: n("reject"),
      // The sample bounce is Permanent.
      bounces: { hard: n("bounce"), soft: 0 },
      complaints: n("complaint"),
      deliveryDelays: n("delivery_delay"),
      renderingFailures: n("rendering_failure"),
      subscriptionChanges: n("subscription"),
      opens: { total: 0, unique: 0, machine: 0, ses: n("open") },
      clicks: { total: 0, unique: 0, machine: 0, ses: n("click") },
    });
  });

  it("answers zeros for a campaign it has never heard of", async () => {
    const campaignId = uniqueId("unknown");
    const body = await stats(campaignId);
    expect(body).toMatchObject({ campaignId, sent: 0, delivered: 0, opens: { total: 0, unique: 0 }, clicks: { total: 0, unique: 0 } });
    expect(body.rates).toEqual({ delivery: 0, open: 0, click: 0, clickToOpen: 0, bounce: 0, complaint: 0, unsubscribe: 0 });
    expect(await json(`/campaigns/${campaignId}/links`)).toEqual({ campaignId, links: [] });
    expect(await json(`/campaigns/${campaignId}/timeline`)).toEqual({ campaignId, bucket: "hour", from: null, to: null, points: [] });
  });

  it("reads the same few counter rows for a campaign with 10 events and with 1,000", async () => {
    const rowsReadByStats = async (campaignId: string, n: number) => {
      const list = Array.from({ length: n }, (_, i) =>
        countedEvent(sampleEvent({ campaignId, type: i % 2 ? "open" : "click", link: "https://x.example/" })),
      );
      for (let i = 0; i < list.length; i += 250) await stub(campaignId).record(list.slice(i, i + 250));
      return runInDurableObject(stub(campaignId), (instance, state) => {
        let read = 0;
        const real = state.storage.sql;
        (instance as unknown as { sql: Pick<SqlStorage, "exec"> }).sql = {
          exec: (query: string, ...bindings: unknown[]) => {
            const cursor = real.exec(query, ...bindings);
            const rows = cursor.toArray();
            read += cursor.rowsRead;
            return { toArray: () => rows, [Symbol.iterator]: () => rows[Symbol.iterator]() } as never;
          },
        };
        const counts = instance.counts();
        return { read, counted: counts.opens + counts.clicks };
      });
    };
    const small = await rowsReadByStats(uniqueId("small"), 10);
    const large = await rowsReadByStats(uniqueId("large"), 1000);
    expect(small.counted).toBe(10);
    expect(large.counted).toBe(1000);
    expect(large.read).toBe(small.read);
    expect(large.read).toBeLessThanOrEqual(COUNTERS.length);
  });
});

describe("the timeline", () => {
  const at = (hours: number, minutes = 0) => H + hours * HOUR + minutes * 60_000;
  const contact = (who: string) => ({ contactId: `${who}@example.com`, email: `${who}@example.com` });

  async function seed(campaignId: string) {
    await deliver(
      EVENTS_QUEUE,
      asBatch([
        sampleEvent({ campaignId, type: "send", ...contact("a"), occurredAt: at(0, 1) }),
        sampleEvent({ campaignId, type: "send", ...contact("b"), occurredAt: at(0, 1) }),
        sampleEvent({ campaignId, type: "open", ...contact("a"), occurredAt: at(0, 10) }),
        sampleEvent({ campaignId, type: "open", ...contact("a"), occurredAt: at(1, 5) }),
        sampleEvent({ campaignId, type: "open", ...contact("b"), occurredAt: at(2, 0) }),
      ]),
    );
    // Arrives last but happened first: a's unique open moves to its hour.
    await deliver(EVENTS_QUEUE, asBatch([sampleEvent({ campaignId, type: "open", ...contact("a"), occurredAt: at(-1, 50) })]));
  }

  const point = (start: number, values: Record<string, number>) => expect.objectContaining({ start: new Date(start).toISOString(), ...values });

  it("buckets every counter by hour, a unique one in the hour of the contact's earliest event", async () => {
    const campaignId = uniqueId("hours");
    await seed(campaignId);
    const body = await json<{ points: Record<string, unknown>[] }>(`/campaigns/${campaignId}/timeline?bucket=hour`);
    expect(body).toMatchObject({ campaignId, bucket: "hour", from: new Date(at(-1)).toISOString(), to: new Date(at(3)).toISOString() });
    expect(body.points).toEqual([
      point(at(-1), { sent: 0, opens: 1, opensUnique: 1 }),
      point(at(0), { sent: 2, opens: 1, opensUnique: 0 }),
      point(at(1), { sent: 0, opens: 1, opensUnique: 0 }),
      point(at(2), { sent: 0, opens: 1, opensUnique: 1 }),
    ]);
    expect(Object.keys(body.points[0]!).sort()).toEqual(["start", ...COUNTERS].sort());
  });

  it("sums hours into UTC days, and keeps to an explicit from/to (ISO or epoch ms)", async () => {
    const campaignId = uniqueId("days");
    await seed(campaignId);
    const day = await json<{ points: unknown[] }>(`/campaigns/${campaignId}/timeline?bucket=day`);
    expect(day.points).toEqual([point(Date.UTC(2026, 0, 10), { sent: 2, opens: 4, opensUnique: 2 })]);

    const from = new Date(at(1)).toISOString();
    const part = await json<{ points: unknown[] }>(`/campaigns/${campaignId}/timeline?from=${from}&to=${at(3)}`);
    expect(part.points).toEqual([point(at(1), { opens: 1 }), point(at(2), { opens: 1, opensUnique: 1 })]);

    const quiet = await json<{ points: Record<string, number>[] }>(`/campaigns/${campaignId}/timeline?from=${at(10)}&to=${at(12)}`);
    expect(quiet.points).toHaveLength(2);
    expect(quiet.points.every((p) => COUNTERS.every((c) => p[c] === 0))).toBe(true);
  });

  it("refuses an unknown bucket, a reversed range, a bad date and a range of too many buckets", async () => {
    const campaignId = uniqueId("tl-bad");
    for (const [query, reason] of [
      ["bucket=week", /bucket/],
      [`from=${at(5)}&to=${at(1)}`, /after/],
      ["from=yesterday", /from/],
      ["from=2026-13-45", /from/],
      [`from=${at(0)}&to=${at(24 * 365)}`, /2000/],
    ] as const) {
      const res = await api(`/campaigns/${campaignId}/timeline?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toMatchObject({ error: "validation_failed", message: expect.stringMatching(reason) });
    }
  });
});

describe("exactly-once under failures", () => {
  it("D1 stored but the counter call failed: the message is retried and the redelivery counts once", async () => {
    const campaignId = uniqueId("fail-counters");
    const batch = asBatch(everyKind(campaignId));
    const broken = { ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, (id) => id === campaignId) };
    const first = await deliver(EVENTS_QUEUE, batch, broken);
    expect(first.retryMessages.length).toBeGreaterThan(0);
    expect(await eventsFor(campaignId)).toHaveLength(batch.length - 1);
    expect(await stats(campaignId)).toMatchObject({ sent: 0, opens: { total: 0 } });

    const retried = batch.filter((m) => first.retryMessages.some((r) => r.msgId === m.id));
    const second = await deliver(EVENTS_QUEUE, retried);
    expect(second.retryMessages).toEqual([]);
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
  });

  it("D1 failed, so nothing was counted: the redelivery stores and counts once", async () => {
    const campaignId = uniqueId("fail-d1");
    const batch = asBatch(everyKind(campaignId));
    const broken = { ...env, DB: faultyD1(env.DB, (sql) => sql.includes('"events"')) };
    const first = await deliver(EVENTS_QUEUE, batch, broken);
    expect(first.retryMessages).toHaveLength(batch.length);
    expect(await eventsFor(campaignId)).toHaveLength(0);
    expect(await stats(campaignId)).toMatchObject({ sent: 0, delivered: 0 });

    await deliver(EVENTS_QUEUE, batch);
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
  });

  it("one campaign's counters counted and another's failed: the retry counts the second without doubling the first", async () => {
    const ok = uniqueId("half-ok");
    const failing = uniqueId("half-fail");
    const batch = messages([envelope([...everyKind(ok), ...everyKind(failing)])]);
    const broken = { ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, (id) => id === failing) };
    const first = await deliver(EVENTS_QUEUE, batch, broken);
    expect(first.retryMessages).toHaveLength(1);
    expect(await stats(ok)).toEqual({ campaignId: ok, ...EVERY_KIND_STATS });
    expect(await stats(failing)).toMatchObject({ sent: 0 });

    await deliver(EVENTS_QUEUE, batch);
    expect(await stats(ok)).toEqual({ campaignId: ok, ...EVERY_KIND_STATS });
    expect(await stats(failing)).toEqual({ campaignId: failing, ...EVERY_KIND_STATS });
  });

  it("counted, then the acknowledgement was lost: the redelivered batch counts nothing again", async () => {
    const campaignId = uniqueId("ack-lost");
    const batch = asBatch(everyKind(campaignId));
    await deliver(EVENTS_QUEUE, batch);
    const again = await deliver(EVENTS_QUEUE, batch);
    expect(again.retryMessages).toEqual([]);
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
  });
});

describe("applied event ids", () => {
  it("are forgotten after their retention by the object's alarm, leaving the counters as they were", async () => {
    const campaignId = uniqueId("prune");
    const [old, recent] = [sampleEvent({ campaignId }), sampleEvent({ campaignId })].map(countedEvent);
    expect(await stub(campaignId).record([old!, recent!])).toEqual({ applied: 2, duplicates: 0 });
    expect(await stub(campaignId).record([old!])).toEqual({ applied: 0, duplicates: 1 });
    await runInDurableObject(stub(campaignId), (_instance, state) => {
      state.storage.sql.exec("UPDATE applied SET at = at - ? WHERE id = ?", APPLIED_ID_RETENTION_MS + 60_000, old!.id);
    });
    expect(await runDurableObjectAlarm(stub(campaignId))).toBe(true);
    const left = await runInDurableObject(stub(campaignId), async (_instance, state) => ({
      ids: state.storage.sql
        .exec<{ id: string }>("SELECT id FROM applied")
        .toArray()
        .map((r) => r.id),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left.ids).toEqual([recent!.id]);
    expect(left.alarm).not.toBeNull();
    expect((await stub(campaignId).counts()).opens).toBe(2);
  });
});

describe("POST /api/campaigns/<id>/rebuild", () => {
  async function snapshot(campaignId: string) {
    return {
      stats: await stats(campaignId),
      hours: await json(`/campaigns/${campaignId}/timeline`),
      links: await json(`/campaigns/${campaignId}/links`),
    };
  }

  it("recounts from D1, over several pages, to exactly the live counters", async () => {
    const campaignId = uniqueId("rebuild");
    const kinds = everyKind(campaignId);
    // 1,050 more events, spread over hours and out of time order, with replays: more than one rebuild page.
    const many = Array.from({ length: 1050 }, (_, i) =>
      sampleEvent({
        campaignId,
        type: (["open", "click", "delivery", "send"] as const)[i % 4]!,
        contactId: `p${i % 37}@example.com`,
        occurredAt: H + ((i * 7919) % 48) * HOUR + i,
        link: i % 4 === 1 ? `https://x.example/${i % 3}` : null,
        linkIndex: i % 4 === 1 ? i % 3 : null,
      }),
    );
    const all = [...kinds, ...many];
    for (let i = 0; i < all.length; i += 100) await deliver(EVENTS_QUEUE, asBatch(all.slice(i, i + 100)));
    await deliver(EVENTS_QUEUE, asBatch(all.slice(300, 400)));
    const live = await snapshot(campaignId);
    expect((live.stats as { opens: { total: number } }).opens.total).toBe(4 + 263);

    const res = await api(`/campaigns/${campaignId}/rebuild`, { method: "POST" });
    expect(res.status).toBe(200);
    const { rebuilt, stats: rebuiltStats } = (await res.json()) as { rebuilt: unknown; stats: Record<string, unknown> };
    const { guard: _guard, ...counts } = rebuiltStats;
    expect({ rebuilt, stats: counts }).toEqual({ rebuilt: { events: all.length - 1 }, stats: live.stats });
    expect(await snapshot(campaignId)).toEqual(live);
  });

  it("puts counters right that drifted from D1, and lists a campaign stored before the campaigns table", async () => {
    const campaignId = uniqueId("drift");
    await deliver(EVENTS_QUEUE, asBatch(everyKind(campaignId)));
    // Counted but never stored (as a manual replay past the id retention would do), and the list row lost.
    await stub(campaignId).record([countedEvent(sampleEvent({ campaignId, type: "send" }))]);
    await env.DB.prepare("DELETE FROM campaigns WHERE id = ?").bind(campaignId).run();
    expect(await stats(campaignId)).toMatchObject({ sent: 5 });

    await api(`/campaigns/${campaignId}/rebuild`, { method: "POST" });
    expect(await stats(campaignId)).toEqual({ campaignId, ...EVERY_KIND_STATS });
    const row = await env.DB.prepare("SELECT first_event_at, last_event_at FROM campaigns WHERE id = ?").bind(campaignId).first();
    expect(row).toEqual({ first_event_at: H + 60_000, last_event_at: H + 130 * 60_000 });
  });
});
