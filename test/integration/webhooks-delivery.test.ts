// Webhook delivery: signed as Standard Webhooks, filtered, retried on schedule, stopped, disabled, rotated, resent by
// hand, and neither lost nor sent twice when a consumer crashes.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { forgetEndpoints } from "../../src/webhooks/fanout";
import { DISABLE_AFTER_MS, RETRY_DELAYS_S } from "../../src/webhooks/retry";
import type { WebhookTask } from "../../src/webhooks/tasks";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { faultyD1 } from "../support/faults";
import { api, recordingQueue, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages, redelivered } from "../support/queue";
import {
  consumeHooks,
  createEndpoint,
  deliveriesOf,
  drainHooks,
  hookUrl,
  receivedBy,
  scriptHook,
  signedWith,
  taskMessages,
  virtualClock,
  waitForHooks,
  type Received,
} from "../support/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

// Longer than the suite's 30 s: events and webhooks each cross a real local queue (a batch waits up to 2 s), several times per test, on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

/** How long to wait for a delivery row to settle once the receiver has its request (the machine may be busy). */
const SETTLED = { timeout: 15_000, interval: 100 };

/** Events made now (the receiver's replay window is real time). */
function freshEvent(overrides: Partial<TrackingEvent>): TrackingEvent {
  return sampleEvent({ occurredAt: Date.now(), ...overrides });
}

/** Store the events as the events consumer does, and keep the webhook tasks it would have enqueued. */
async function storeAndCapture(events: TrackingEvent[]): Promise<WebhookTask[]> {
  forgetEndpoints();
  const { queue, sent } = recordingQueue();
  await applyEvents({ ...env, WEBHOOK_QUEUE: queue }, events);
  return sent as WebhookTask[];
}

function payloadOf(r: Received) {
  return JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> };
}

describe("webhook delivery through the queues", () => {
  it("POSTs each event, signed, in the Standard Webhooks shape, and records the attempt", async () => {
    const hook = uniqueId("e2e");
    const campaignId = uniqueId("e2e");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    await scriptHook(hook, { secrets: [endpoint.secret] });
    const bounce = freshEvent({
      campaignId,
      type: "bounce",
      email: "Ann@Example.com",
      contactId: "ann@example.com",
      sesMessageId: "ses-0001",
      userAgent: null,
      ip: null,
      metadata: { bounceType: "Permanent", bounceSubType: "General", diagnosticCode: "smtp; 550 5.1.1 user unknown" },
    });
    await env.EVENTS.send(envelope([bounce]), { contentType: "json" });

    const [got] = await waitForHooks(hook, 1);
    // The receiver verified it with standardwebhooks' Webhook.verify and the endpoint's secret.
    expect(got!.verifiedBy).toEqual([0]);
    expect(got!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Math.abs(Number(got!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(payloadOf(got!)).toEqual({
      type: "email.bounce",
      timestamp: new Date(bounce.occurredAt).toISOString(),
      data: {
        id: bounce.id,
        type: "bounce",
        campaignId,
        email: "Ann@Example.com",
        sesMessageId: "ses-0001",
        occurredAt: new Date(bounce.occurredAt).toISOString(),
        link: null,
        linkIndex: null,
        userAgent: null,
        ip: null,
        // The machine verdict belongs to opens and clicks: none for a bounce.
        machine: null,
        machineReason: null,
        metadata: { bounceType: "Permanent", bounceSubType: "General", diagnosticCode: "smtp; 550 5.1.1 user unknown" },
      },
    });
    // The same event as the API shows it.
    const fromApi = (await (await api(`/contacts/${encodeURIComponent("ann@example.com")}/events`)).json()) as { items: Array<{ id: string }> };
    expect(fromApi.items.find((e) => e.id === bounce.id)).toEqual(payloadOf(got!).data);

    const deliveries = await vi.waitUntil(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.state === "delivered" ? list : false;
    }, SETTLED);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ id: got!.headers["webhook-id"], eventId: bounce.id, type: "email.bounce", lastStatus: 200 });
    expect(deliveries[0]!.attempts).toEqual([
      { n: 1, at: expect.any(String), outcome: "delivered", status: 200, latencyMs: expect.any(Number), error: null },
    ]);
  });

  it("sends each endpoint only the event types and the campaign it asked for", async () => {
    const campaignId = uniqueId("filters");
    const [clicksOnly, otherCampaign, everything] = [uniqueId("clicks"), uniqueId("other"), uniqueId("all")];
    await createEndpoint({ url: hookUrl(clicksOnly), campaignId, eventTypes: ["email.click"] });
    await createEndpoint({ url: hookUrl(otherCampaign), campaignId: uniqueId("elsewhere") });
    await createEndpoint({ url: hookUrl(everything), campaignId });
    const open = freshEvent({ campaignId, type: "open" });
    const click = freshEvent({ campaignId, type: "click", link: "https://shop.example/", linkIndex: 0 });
    await env.EVENTS.send(envelope([open, click]), { contentType: "json" });

    const all = await waitForHooks(everything, 2);
    expect(all.map((r) => payloadOf(r).type).sort()).toEqual(["email.click", "email.open"]);
    const clicks = await waitForHooks(clicksOnly, 1);
    await drainHooks();
    expect((await receivedBy(clicksOnly)).map((r) => payloadOf(r).data.id)).toEqual([click.id]);
    expect(clicks).toHaveLength(1);
    expect(await receivedBy(otherCampaign)).toEqual([]);
  });

  it("enqueues from the events consumer with one sendBatch per batch and one endpoint lookup for many batches", async () => {
    const campaignId = uniqueId("fanout");
    await createEndpoint({ url: hookUrl(uniqueId("fan-a")), campaignId });
    await createEndpoint({ url: hookUrl(uniqueId("fan-b")), campaignId });
    forgetEndpoints();
    const sendBatches: number[] = [];
    const queue = { send: async () => {}, sendBatch: async (batch: unknown[]) => void sendBatches.push([...batch].length) } as unknown as Queue;
    let lookups = 0;
    const db = faultyD1(env.DB, (sql) => {
      if (sql.includes('from "webhook_endpoints"')) lookups++;
      return false;
    });
    const bindings = { ...env, DB: db, WEBHOOK_QUEUE: queue };
    await applyEvents(
      bindings,
      Array.from({ length: 40 }, () => freshEvent({ campaignId, type: "open" })),
    );
    await applyEvents(
      bindings,
      Array.from({ length: 10 }, () => freshEvent({ campaignId, type: "click" })),
    );
    // 40 events × 2 endpoints = 80 tasks in one call; then 20 in one more; the endpoints were read once.
    expect(sendBatches).toEqual([80, 20]);
    expect(lookups).toBe(1);
  });
});

describe("retries, on a virtual clock", () => {
  async function oneTask(hook: string, responses: Array<{ status: number; headers?: Record<string, string> }>) {
    const campaignId = uniqueId(hook);
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    await scriptHook(hook, { responses, secrets: [endpoint.secret] });
    const tasks = await storeAndCapture([freshEvent({ campaignId, type: "open" })]);
    expect(tasks).toHaveLength(1);
    return { endpoint, tasks };
  }

  it("retries a 5xx after the scheduled delay, with the same webhook-id and body, until a 2xx", async () => {
    const hook = uniqueId("retry");
    const { endpoint, tasks } = await oneTask(hook, [{ status: 503 }, { status: 500 }]);
    const clock = virtualClock();
    const batch = taskMessages(tasks);

    const first = await consumeHooks(batch, clock);
    expect(first.retried).toEqual([{ id: batch[0]!.id, delaySeconds: RETRY_DELAYS_S[0] }]);
    clock.time += RETRY_DELAYS_S[0] * 1000;
    const second = await consumeHooks(redelivered(batch, 2), clock);
    expect(second.retried).toEqual([{ id: batch[0]!.id, delaySeconds: RETRY_DELAYS_S[1] }]);
    clock.time += RETRY_DELAYS_S[1] * 1000;
    const third = await consumeHooks(redelivered(batch, 3), clock);
    expect(third.acked).toEqual([batch[0]!.id]);

    const got = await receivedBy(hook);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    // Each attempt carries its own time (the specification's replay protection); the body keeps the event's.
    const t0 = Number(got[0]!.headers["webhook-timestamp"]);
    expect(got.map((r) => Number(r.headers["webhook-timestamp"]) - t0)).toEqual([0, RETRY_DELAYS_S[0], RETRY_DELAYS_S[0] + RETRY_DELAYS_S[1]]);
    for (const r of got) expect(signedWith(endpoint.secret, r)).toBe(true);
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery!.state).toBe("delivered");
    expect(delivery!.attempts.map((a) => [a.n, a.outcome, a.status])).toEqual([
      [1, "retry", 503],
      [2, "retry", 500],
      [3, "delivered", 200],
    ]);
  });

  it("honours Retry-After: nothing is sent before it, even when the message comes back early", async () => {
    const hook = uniqueId("retry-after");
    const { endpoint, tasks } = await oneTask(hook, [{ status: 429, headers: { "retry-after": "120" } }]);
    const clock = virtualClock();
    const batch = taskMessages(tasks);
    expect((await consumeHooks(batch, clock)).retried).toEqual([{ id: batch[0]!.id, delaySeconds: 120 }]);
    // Back after 5 s (a duplicate, or a queue that hurried): told to wait the rest, and nothing is POSTed.
    clock.time += 5000;
    expect((await consumeHooks(redelivered(batch, 2), clock)).retried).toEqual([{ id: batch[0]!.id, delaySeconds: 115 }]);
    expect(await receivedBy(hook)).toHaveLength(1);
    clock.time += 115_000;
    expect((await consumeHooks(redelivered(batch, 3), clock)).acked).toEqual([batch[0]!.id]);
    expect(await receivedBy(hook)).toHaveLength(2);
    expect((await deliveriesOf(endpoint.id))[0]!.attempts.map((a) => a.status)).toEqual([429, 200]);
  });

  it("stops at a 4xx other than 408, 409 and 429: one attempt, recorded as failed, never sent again", async () => {
    const hook = uniqueId("gone-bad");
    const { endpoint, tasks } = await oneTask(hook, [{ status: 422 }]);
    const clock = virtualClock();
    const batch = taskMessages(tasks);
    expect((await consumeHooks(batch, clock)).acked).toEqual([batch[0]!.id]);
    clock.time += 3_600_000;
    expect((await consumeHooks(redelivered(batch, 2), clock)).acked).toEqual([batch[0]!.id]);
    expect(await receivedBy(hook)).toHaveLength(1);
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ state: "failed", lastStatus: 422, lastError: "HTTP 422" });
    expect((await (await api(`/webhooks/${endpoint.id}`)).json()) as object).toMatchObject({ enabled: true });
  });

  it("holds an endpoint's later tasks in the batch once one must wait, without attempting them", async () => {
    const hook = uniqueId("ordered");
    const campaignId = uniqueId("ordered");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    await scriptHook(hook, { responses: [{ status: 500 }] });
    const events = [1, 2, 3].map(() => freshEvent({ campaignId, type: "open" }));
    const batch = taskMessages(await storeAndCapture(events));
    const clock = virtualClock();
    const first = await consumeHooks(batch, clock);
    expect(first.retried.map((r) => r.delaySeconds)).toEqual([5, 5, 5]);
    expect(await receivedBy(hook)).toHaveLength(1);
    clock.time += 5000;
    expect((await consumeHooks(redelivered(batch, 2), clock)).acked.sort()).toEqual(batch.map((m) => m.id).sort());
    // In the batch's order: the first event twice (its retry), then the others once each.
    expect((await receivedBy(hook)).map((r) => payloadOf(r).data.id)).toEqual([events[0]!.id, events[0]!.id, events[1]!.id, events[2]!.id]);
    expect((await deliveriesOf(endpoint.id)).map((d) => d.attempts.length).sort()).toEqual([1, 1, 2]);
  });

  it("disables an endpoint whose every attempt failed for a day, says why, and sends it nothing more", async () => {
    const hook = uniqueId("dead");
    const responses = Array.from({ length: 20 }, () => ({ status: 500 }));
    const { endpoint, tasks } = await oneTask(hook, responses);
    const clock = virtualClock();
    const start = clock.time;
    const batch = taskMessages(tasks);
    let attempts = 1;
    let result = await consumeHooks(batch, clock);
    while (result.retried.length > 0) {
      const state = (await (await api(`/webhooks/${endpoint.id}`)).json()) as { enabled: boolean; failingSince: string };
      // Still enabled while the failures have lasted less than a day.
      expect(state.enabled, `after ${(clock.time - start) / 3_600_000} h`).toBe(true);
      expect(clock.time - start).toBeLessThan(DISABLE_AFTER_MS);
      expect(Date.parse(state.failingSince)).toBe(start);
      clock.time += result.retried[0]!.delaySeconds! * 1000;
      result = await consumeHooks(redelivered(batch, ++attempts), clock);
    }
    // The eighth attempt, 27 h 35 min after the first: the schedule is over, and the day of failures disables it.
    expect(attempts).toBe(8);
    expect(clock.time - start).toBe(99_305_000);
    expect(await receivedBy(hook)).toHaveLength(8);
    const shown = (await (await api(`/webhooks/${endpoint.id}`)).json()) as { enabled: boolean; disabledReason: string; disabledAt: string };
    expect(shown.enabled).toBe(false);
    expect(shown.disabledReason).toContain("every attempt failed for 24 hours, since");
    expect(shown.disabledReason).toContain("last: HTTP 500");
    expect(Date.parse(shown.disabledAt)).toBe(clock.time);
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ state: "failed", lastError: "HTTP 500; gave up after 8 attempts" });

    // A later event for it: not attempted, and recorded as failed with the reason.
    const later = taskMessages(await storeAndCapture([freshEvent({ campaignId: tasks[0]!.event.campaignId, type: "click" })]));
    expect(later).toHaveLength(0);
    const lateId = `late-${crypto.randomUUID()}`;
    const direct = taskMessages([{ ...tasks[0]!, event: { ...tasks[0]!.event, id: lateId } }]);
    await env.DB.prepare("INSERT INTO events (id, type, campaign_id, occurred_at, received_at) VALUES (?, 'open', ?, ?, ?)")
      .bind(lateId, tasks[0]!.event.campaignId, Date.now(), Date.now())
      .run();
    expect((await consumeHooks(direct, clock)).acked).toHaveLength(1);
    expect(await receivedBy(hook)).toHaveLength(8);
    expect((await deliveriesOf(endpoint.id, "?state=failed")).find((d) => d.eventId === lateId)?.lastError).toContain("endpoint disabled");

    // Enabling it again clears the reason and the failure streak.
    const enabled = (await (await api(`/webhooks/${endpoint.id}`, { method: "PATCH", json: { enabled: true } })).json()) as Record<string, unknown>;
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("disables an endpoint at once when it answers 410 Gone", async () => {
    const hook = uniqueId("gone");
    const { endpoint, tasks } = await oneTask(hook, [{ status: 410 }]);
    const batch = taskMessages(tasks);
    expect((await consumeHooks(batch, virtualClock())).acked).toEqual([batch[0]!.id]);
    expect(await (await api(`/webhooks/${endpoint.id}`)).json()).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining("410 Gone"),
    });
  });
});

describe("secret rotation", () => {
  it("signs with both secrets during the overlap, each verifying with Webhook.verify, then with the new one alone", async () => {
    const hook = uniqueId("rotation");
    const campaignId = uniqueId("rotation");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    const rotated = (await (await api(`/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 3600 } })).json()) as {
      secret: string;
    };
    const stranger = `whsec_${btoa("x".repeat(32))}`;
    await scriptHook(hook, { secrets: [endpoint.secret, rotated.secret, stranger] });

    await env.EVENTS.send(envelope([freshEvent({ campaignId, type: "open" })]), { contentType: "json" });
    const [during] = await waitForHooks(hook, 1);
    expect(during!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(during!.verifiedBy).toEqual([0, 1]);

    // A rotation with no overlap: the secret it replaces stops signing at once.
    const last = (await (await api(`/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", json: { overlapSeconds: 0 } })).json()) as {
      secret: string;
    };
    await scriptHook(hook, { secrets: [endpoint.secret, rotated.secret, last.secret] });
    await env.EVENTS.send(envelope([freshEvent({ campaignId, type: "click" })]), { contentType: "json" });
    const after = (await waitForHooks(hook, 2))[1]!;
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(after.verifiedBy).toEqual([2]);
  });
});

describe("retry by hand", () => {
  it("resends a failed delivery with its webhook-id and body, records the new attempt, and refuses unknown ids", async () => {
    const hook = uniqueId("manual");
    const campaignId = uniqueId("manual");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    await scriptHook(hook, { responses: [{ status: 400 }] });
    await env.EVENTS.send(envelope([freshEvent({ campaignId, type: "open" })]), { contentType: "json" });
    const [first] = await waitForHooks(hook, 1);
    const failed = await vi.waitUntil(async () => (await deliveriesOf(endpoint.id)).find((d) => d.state === "failed"), SETTLED);

    const res = await api(`/webhooks/${endpoint.id}/deliveries/${failed.id}/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    const [, again] = await waitForHooks(hook, 2);
    expect(again!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(again!.body).toBe(first!.body);
    const done = await vi.waitUntil(async () => (await deliveriesOf(endpoint.id)).find((d) => d.state === "delivered"), SETTLED);
    expect(done.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ["failed", 400],
      ["delivered", 200],
    ]);
    expect((await api(`/webhooks/${endpoint.id}/deliveries/msg_nothere/retry`, { method: "POST" })).status).toBe(404);
    expect((await api(`/webhooks/ep_nothere/deliveries/${failed.id}/retry`, { method: "POST" })).status).toBe(404);
  });
});

describe("faults", () => {
  it("loses nothing and sends nothing twice when the consumer crashes mid-batch; the one lost answer is resent with its webhook-id", async () => {
    const hook = uniqueId("crash");
    const campaignId = uniqueId("crash");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    await scriptHook(hook, { secrets: [endpoint.secret] });
    const events = Array.from({ length: 5 }, () => freshEvent({ campaignId, type: "open" }));
    const batch = taskMessages(await storeAndCapture(events));
    const clock = virtualClock();
    // The third POST is answered, but writing its answer fails (the consumer dies there as far as D1 knows).
    let settles = 0;
    const dying = faultyD1(env.DB, (sql) => sql.startsWith('insert into "webhook_attempts"') && ++settles === 3);
    await consumeHooks(batch, clock, { ...env, DB: dying });
    expect(await receivedBy(hook)).toHaveLength(5);

    // The crash: Queues offers every message of the batch again, acknowledged ones included.
    clock.time += 1000;
    const again = await consumeHooks(redelivered(batch, 2), clock);
    expect(again.acked.sort()).toEqual(batch.map((m) => m.id).sort());

    const got = await receivedBy(hook);
    const ids = got.map((r) => r.headers["webhook-id"]!);
    // Every event arrived; exactly one webhook-id arrived twice (the spec allows it: receivers dedupe on it).
    expect(new Set(got.map((r) => payloadOf(r).data.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(ids).toHaveLength(6);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(twice).toHaveLength(1);
    expect(got.filter((r) => r.headers["webhook-id"] === twice[0]).map((r) => r.body)).toHaveLength(2);
    for (const r of got) expect(r.verifiedBy).toEqual([0]);

    const deliveries = await deliveriesOf(endpoint.id);
    expect(deliveries.map((d) => d.state)).toEqual(Array(5).fill("delivered"));
    const resent = deliveries.find((d) => d.id === twice[0])!;
    expect(resent.attempts.map((a) => a.outcome)).toEqual(["unknown", "delivered"]);
    expect(resent.attempts[0]!.error).toContain("never recorded");
  });

  it("keeps a message that is not a webhook task as a held dead letter, with the reason, and sends nothing", async () => {
    const batch = taskMessages([
      { v: 1, endpointId: "ep_x", event: { id: "e", type: "email.opened", campaignId: null, at: 1 } } as unknown as WebhookTask,
    ]);
    expect((await consumeHooks(batch, virtualClock())).acked).toEqual([batch[0]!.id]);
    const row = await env.DB.prepare("SELECT status, reason FROM dead_letters WHERE message_id = ?").bind(batch[0]!.id).first();
    expect(row).toEqual({ status: "held", reason: "not a webhook task: event.type: must be a webhook event type" });
  });

  it("makes one delivery per event when the events consumer enqueues a batch twice (its message was retried)", async () => {
    const hook = uniqueId("replayed");
    const campaignId = uniqueId("replayed");
    const endpoint = await createEndpoint({ url: hookUrl(hook), campaignId });
    const events = Array.from({ length: 3 }, () => freshEvent({ campaignId, type: "click" }));
    const batch = messages([envelope(events)]);
    // Stored, counted and enqueued; then the acknowledgement was lost and Queues delivers the message again.
    await deliver(EVENTS_QUEUE, batch);
    await deliver(EVENTS_QUEUE, redelivered(batch, 2));
    await waitForHooks(hook, 3);
    await drainHooks();
    const got = await receivedBy(hook);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => payloadOf(r).data.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(await deliveriesOf(endpoint.id)).toHaveLength(3);
  });
});
