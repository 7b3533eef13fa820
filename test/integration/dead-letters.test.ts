// Dead letters: listed page by page, replayed by id or all at once, and by the cron once storage answers again.
import { createExecutionContext, createScheduledController, waitOnExecutionContext, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { COUNTS_FROM_D1_SQL, countsByCampaign, type CampaignCountsRow } from "../support/d1-counts";
import { database } from "../../src/db/client";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { EVENTS_DLQ, EVENTS_QUEUE, SEND_DLQ } from "../../src/config/queues";
import { createSendJob, type SendTask } from "../../src/sending/jobs";
import { campaignStats } from "../../src/objects/stats-client";
import { faultyCounters, faultyD1 } from "../support/faults";
import { api, getSettled, ORIGIN, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";
import { receivedEmails } from "../support/ses-emulator";
import { TEST_API_TOKEN } from "../support/secrets";

afterEach(() => vi.restoreAllMocks());

interface DeadLetterJson {
  id: string;
  queue: string;
  status: string;
  reason: string | null;
  attempts: number;
  replayedAt: string | null;
  replayAttempts: number;
  lastError: string | null;
  body: string;
}
interface ReplayJson {
  replayed: string[];
  failed: Array<{ id: string; error: string }>;
  skipped: Array<{ id: string; reason: string }>;
  pending?: number;
}

/** The API with chosen bindings (a queue that records, storage that fails). */
function apiWith(bindings: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${TEST_API_TOKEN}`);
  return getSettled(`/api${path}`, { ...init, headers }, bindings);
}

const replay = (ids?: string[], bindings: Env = env) =>
  apiWith(bindings, "/dead-letters/replay", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: ids ? JSON.stringify({ ids }) : "",
  });

async function runCron(bindings: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController(), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

/** Events of two campaigns under `prefix` (a hard bounce among them), each in its own envelope, dead-lettered. */
async function deadLetteredTraffic(prefix: string): Promise<{ events: TrackingEvent[]; batch: MessageBatchMessage[]; campaigns: string[] }> {
  const campaigns = [`${prefix}-a`, `${prefix}-b`];
  const events = Array.from({ length: 8 }, (_, i) => {
    const contact = `${prefix}-${i % 3}@example.com`;
    const type = (["send", "delivery", "open", "click"] as const)[i % 4];
    return sampleEvent({
      campaignId: campaigns[i % 2]!,
      type,
      contactId: contact,
      email: contact,
      ...(type === "click" ? { link: "https://x.example/", linkIndex: 0 } : {}),
    });
  });
  const bounced = `${prefix}-bounced@example.com`;
  events.push(sampleEvent({ campaignId: campaigns[0]!, type: "bounce", contactId: bounced, email: bounced, metadata: { bounceType: "Permanent" } }));
  const batch = messages(
    events.map((e) => envelope([e])),
    30,
  );
  const stored = await deliver(EVENTS_DLQ, batch);
  expect(stored.explicitAcks).toHaveLength(batch.length);
  return { events, batch, campaigns };
}

async function storedIds(prefix: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM events WHERE campaign_id LIKE ? || '%'").bind(prefix).all<{ id: string }>();
  return results.map((r) => r.id).sort();
}

/** Every campaign's counters equal the counts recomputed from the events in D1, which are exactly `events`. */
async function expectExact(prefix: string, campaigns: string[], events: TrackingEvent[]): Promise<void> {
  expect(await storedIds(prefix)).toEqual(events.map((e) => e.id).sort());
  const { results } = await env.DB.prepare(COUNTS_FROM_D1_SQL).bind(prefix).all<CampaignCountsRow>();
  const fromD1 = countsByCampaign(results);
  for (const id of campaigns) {
    expect(fromD1.get(id)!.sent).toBe(events.filter((e) => e.campaignId === id && e.type === "send").length);
    expect(await campaignStats(env.CAMPAIGN_STATS, id).counts(), id).toEqual(fromD1.get(id));
  }
}

async function rowsOf(ids: string[]): Promise<Map<string, DeadLetterJson>> {
  const seen = new Map<string, DeadLetterJson>();
  let cursor: string | null = null;
  do {
    const res = await api(`/dead-letters?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
    const body = await res.json<{ items: DeadLetterJson[]; cursor: string | null }>();
    for (const item of body.items) if (ids.includes(item.id)) seen.set(item.id, item);
    cursor = body.cursor;
  } while (cursor);
  return seen;
}

/** A real, sendable campaign job's task, dead-lettered by the send DLQ consumer. */
async function deadLetteredSendTask(to: string): Promise<MessageBatchMessage> {
  const tasks: SendTask[] = [];
  const queue = {
    sendBatch: async (msgs: { body: SendTask }[]) => void tasks.push(...msgs.map((m) => m.body)),
    send: async () => {},
  } as unknown as Queue;
  await createSendJob(
    database(env.DB),
    queue,
    uniqueId("dl-send"),
    ORIGIN,
    { from: "News <news@example.com>", subject: "Hi", text: "hello", recipients: [{ to }] },
    { opens: true, clicks: true },
  );
  const [message] = messages(tasks, 11);
  expect((await deliver(SEND_DLQ, [message!])).explicitAcks).toEqual([message!.id]);
  return message!;
}

describe("GET /api/dead-letters", () => {
  it("lists every dead letter once, page by page, with its status; filters by status", async () => {
    const prefix = uniqueId("dl-list");
    const { batch } = await deadLetteredTraffic(prefix);
    const garbage = messages(["not an envelope"]);
    await deliver(EVENTS_QUEUE, garbage);
    const task = await deadLetteredSendTask(`${prefix}@example.com`);
    const mine = [...batch, ...garbage, task].map((m) => m.id);

    const seen: DeadLetterJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/dead-letters?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const body = await res.json<{ items: DeadLetterJson[]; cursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items);
      cursor = body.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(mine.length / 3));
    const ids = seen.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of mine) expect(ids).toContain(id);

    const byId = new Map(seen.map((i) => [i.id, i]));
    expect(byId.get(batch[0]!.id)).toMatchObject({
      queue: EVENTS_DLQ,
      status: "pending",
      reason: "retries exhausted",
      attempts: 30,
      replayedAt: null,
    });
    expect(JSON.parse(byId.get(batch[0]!.id)!.body)).toEqual(batch[0]!.body);
    expect(byId.get(garbage[0]!.id)).toMatchObject({
      queue: EVENTS_QUEUE,
      status: "held",
      reason: expect.stringMatching(/^not an event envelope: /),
    });
    expect(byId.get(task.id)).toMatchObject({ queue: SEND_DLQ, status: "held" });

    const held = await (await api("/dead-letters?status=held&limit=500")).json<{ items: DeadLetterJson[] }>();
    expect(held.items.every((i) => i.status === "held")).toBe(true);
    expect(held.items.map((i) => i.id)).toEqual(expect.arrayContaining([garbage[0]!.id, task.id]));
    expect(held.items.map((i) => i.id)).not.toContain(batch[0]!.id);
  });

  it("refuses a bad status, limit or cursor with 400, and a missing token with 401", async () => {
    for (const q of ["status=lost", "limit=0", "limit=501", "cursor=bogus"]) {
      const res = await api(`/dead-letters?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toMatchObject({ error: "validation_failed" });
    }
    for (const [method, path] of [
      ["GET", "/dead-letters"],
      ["POST", "/dead-letters/replay"],
    ] as const) {
      const res = await api(path, { method, headers: { authorization: "Bearer nope" } });
      expect(res.status).toBe(401);
    }
    for (const body of [{ ids: [] }, { ids: "x" }, { ids: Array.from({ length: 101 }, (_, i) => `m${i}`) }]) {
      const res = await api("/dead-letters/replay", { method: "POST", json: body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
  });
});

describe("POST /api/dead-letters/replay", () => {
  it("stores and counts the events of the named dead letters once; replaying again changes nothing", async () => {
    const prefix = uniqueId("dl-ids");
    const { events, batch, campaigns } = await deadLetteredTraffic(prefix);
    // Part of it had been stored and counted before it was dead-lettered (the batch failed after D1).
    await applyEvents(env, events.slice(0, 3));
    const ids = batch.map((m) => m.id);

    const res = await replay(ids);
    expect(res.status).toBe(200);
    const report = await res.json<ReplayJson>();
    expect(report.replayed.sort()).toEqual([...ids].sort());
    expect(report.failed).toEqual([]);
    await expectExact(prefix, campaigns, events);
    const suppressed = await api(`/suppressions?email=${encodeURIComponent(`${prefix}-bounced@example.com`)}`);
    expect(await suppressed.json()).toMatchObject({ reason: "hard_bounce" });
    const rows = await rowsOf(ids);
    expect([...rows.values()].every((r) => r.status === "replayed" && r.replayedAt !== null)).toBe(true);

    // Event ids were fixed at birth: the same replay again (and the whole queue redelivering) counts nothing twice.
    const before = await Promise.all(campaigns.map((c) => campaignStats(env.CAMPAIGN_STATS, c).counts()));
    expect((await (await replay(ids)).json<ReplayJson>()).replayed).toHaveLength(ids.length);
    await deliver(EVENTS_QUEUE, batch);
    await expectExact(prefix, campaigns, events);
    expect(await Promise.all(campaigns.map((c) => campaignStats(env.CAMPAIGN_STATS, c).counts()))).toEqual(before);
  });

  it("never replays a send task (that could mail someone twice): it is listed, skipped, and nothing is sent", async () => {
    const to = `${uniqueId("never-twice")}@example.com`;
    const task = await deadLetteredSendTask(to);
    const sent: unknown[] = [];
    const recordingQueue = {
      send: async (b: unknown) => void sent.push(b),
      sendBatch: async (b: unknown[]) => void sent.push(...b),
    } as unknown as Queue;
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const bindings = { ...env, SEND_QUEUE: recordingQueue };

    const report = await (await replay([task.id, "no-such-id"], bindings)).json<ReplayJson>();
    expect(report.replayed).toEqual([]);
    expect(report.skipped).toEqual([
      { id: task.id, reason: expect.stringMatching(/send task.*email twice/) },
      { id: "no-such-id", reason: "not found" },
    ]);
    // Neither the replay of everything nor the cron takes it.
    await replay(undefined, bindings);
    await runCron(bindings);
    expect(sent).toEqual([]);
    expect(fetchSpy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect((await receivedEmails()).filter((e) => e.destination.to.includes(to))).toEqual([]);
    expect((await rowsOf([task.id])).get(task.id)).toMatchObject({ status: "held" });
  });

  it("replays every pending dead letter without a body, and leaves held ones alone", async () => {
    const prefix = uniqueId("dl-all");
    const { events, batch, campaigns } = await deadLetteredTraffic(prefix);
    const garbage = messages([{ v: 1, events: "not a list" }]);
    await deliver(EVENTS_DLQ, garbage);

    const report = await (await replay()).json<ReplayJson>();
    expect(report.replayed).toEqual(expect.arrayContaining(batch.map((m) => m.id)));
    expect(report.pending).toBe(0);
    await expectExact(prefix, campaigns, events);
    const rows = await rowsOf([...batch, ...garbage].map((m) => m.id));
    expect(rows.get(garbage[0]!.id)).toMatchObject({ status: "held" });
    expect(batch.every((m) => rows.get(m.id)!.status === "replayed")).toBe(true);
  });

  it("reports what could not be stored while the counters are down, keeps it pending, and stores it once later", async () => {
    const prefix = uniqueId("dl-down");
    const { events, batch, campaigns } = await deadLetteredTraffic(prefix);
    const ids = batch.map((m) => m.id);
    const down = { ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, (id) => id.startsWith(prefix)) };

    const report = await (await replay(ids, down)).json<ReplayJson>();
    expect(report.replayed).toEqual([]);
    expect(report.failed.map((f) => f.id).sort()).toEqual([...ids].sort());
    expect(report.failed[0]!.error).toMatch(/counters unavailable/);
    const rows = await rowsOf(ids);
    expect([...rows.values()].every((r) => r.status === "pending" && r.replayAttempts === 1 && /counters/.test(r.lastError!))).toBe(true);

    expect((await (await replay(ids)).json<ReplayJson>()).replayed).toHaveLength(ids.length);
    await expectExact(prefix, campaigns, events);
  });
});

describe("the scheduled replay", () => {
  it("does nothing while D1 or the counters are down, and replays once they answer again", async () => {
    const prefix = uniqueId("dl-cron");
    const { events, batch, campaigns } = await deadLetteredTraffic(prefix);
    const ids = batch.map((m) => m.id);

    await runCron({ ...env, DB: faultyD1(env.DB, () => true) });
    expect(await storedIds(prefix)).toEqual([]);
    await runCron({ ...env, CAMPAIGN_STATS: faultyCounters(env.CAMPAIGN_STATS, () => true) });
    expect([...(await rowsOf(ids)).values()].every((r) => r.status === "pending")).toBe(true);

    await runCron(env);
    await expectExact(prefix, campaigns, events);
    expect([...(await rowsOf(ids)).values()].every((r) => r.status === "replayed")).toBe(true);
  });
});
