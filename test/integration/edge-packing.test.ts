// Many events per queue message: a burst of pixel requests served by one isolate leaves as a few packed messages,
// and every event is stored and counted once; a packed message dead-lettered is replayed whole.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type EventEnvelope, readEnvelope } from "../../src/domain/events";
import worker from "../../src/index";
import { jsonBytes, MAX_MESSAGE_BYTES } from "../../src/pipeline/pack-events";
import { EVENTS_DLQ, EVENTS_QUEUE } from "../../src/config/queues";
import { api, BROWSER_UA, eventsFor, mint, ORIGIN, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

/** The real events queue, with every message it is given noted on the way. */
function watchedQueue(): { queue: Queue; bodies: EventEnvelope[] } {
  const bodies: EventEnvelope[] = [];
  const queue = {
    send: () => Promise.reject(new Error("the edge must use sendBatch")),
    sendBatch: async (batch: Iterable<MessageSendRequest<EventEnvelope>>) => {
      const list = [...batch];
      bodies.push(...list.map((m) => m.body));
      await env.EVENTS.sendBatch(list);
    },
  } as unknown as Queue;
  return { queue, bodies };
}

async function opens(campaignId: string): Promise<{ total: number; unique: number }> {
  const res = await api(`/campaigns/${campaignId}/stats`);
  return (await res.json<{ opens: { total: number; unique: number } }>()).opens;
}

describe("many events per queue message", () => {
  it("packs an edge burst into few messages; every event is stored and counted once", async () => {
    const campaignId = uniqueId("packed");
    const people = Array.from({ length: 300 }, (_, i) => `reader${i}@example.com`);
    const tokens = await Promise.all(people.map((contact) => mint({ kind: "open", campaignId, contact })));
    const { queue, bodies } = watchedQueue();
    const bindings = { ...env, EVENTS: queue };
    // All at once, as an isolate under load serves them: inside one send window.
    const served = tokens.map((token, i) => {
      const ctx = createExecutionContext();
      const headers = { "user-agent": BROWSER_UA, "cf-connecting-ip": `198.51.100.${i % 250}` };
      return { ctx, response: worker.fetch(new Request(`${ORIGIN}/o/${token}.gif`, { headers }), bindings, ctx) };
    });
    for (const s of served) expect((await s.response).status).toBe(200);
    await Promise.all(served.map((s) => waitOnExecutionContext(s.ctx)));

    // One window's 300 events fit one message (a few hundred bytes each); a window cut short by timing makes two.
    expect(bodies.length).toBeGreaterThanOrEqual(1);
    expect(bodies.length).toBeLessThanOrEqual(3);
    for (const body of bodies) {
      expect(readEnvelope(body).ok).toBe(true);
      expect(jsonBytes(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    const sentIds = bodies.flatMap((b) => b.events.map((e) => e.id));
    expect(new Set(sentIds).size).toBe(300);
    expect(sentIds).toHaveLength(300);

    const rows = await waitFor(async () => {
      const stored = await eventsFor(campaignId);
      return stored.length >= 300 ? stored : false;
    });
    expect(rows.map((r) => r.id).sort()).toEqual([...sentIds].sort());
    expect(await waitFor(async () => ((await opens(campaignId)).total === 300 ? opens(campaignId) : false))).toMatchObject({
      total: 300,
      unique: 300,
    });
    // Queues redelivers a message: nothing new.
    expect((await deliver(EVENTS_QUEUE, messages(bodies), env)).retryMessages).toEqual([]);
    expect(await eventsFor(campaignId)).toHaveLength(300);
    expect(await opens(campaignId)).toMatchObject({ total: 300, unique: 300 });
  });

  it("keeps a packed message that exhausted its retries as one dead letter, and replays every event of it", async () => {
    const campaignId = uniqueId("packed-dlq");
    const events = Array.from({ length: 150 }, () => sampleEvent({ campaignId }));
    const body: EventEnvelope = { v: 1, events };
    expect(jsonBytes(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const [message] = messages([body]);
    expect((await deliver(EVENTS_DLQ, [message!])).explicitAcks).toEqual([message!.id]);
    const row = await env.DB.prepare("SELECT body FROM dead_letters WHERE message_id = ?").bind(message!.id).first<{ body: string }>();
    expect(JSON.parse(row!.body).events).toHaveLength(150);

    const replay = await api("/dead-letters/replay", { method: "POST", json: { ids: [message!.id] } });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ replayed: [message!.id], failed: [] });
    expect((await eventsFor(campaignId)).map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect((await opens(campaignId)).total).toBe(150);
  });
});

function waitFor<T>(what: () => Promise<T | false>, timeout = 20_000): Promise<T> {
  return vi.waitUntil(what, { timeout, interval: 100 });
}
