// The edge's queue sends gathered into one sendBatch per few milliseconds, its events packed into as few messages as
// fit, with every caller told the outcome.
import { describe, expect, it } from "vitest";
import { type EventEnvelope, readEnvelope, type TrackingEvent } from "../../src/domain/events";
import { jsonBytes, MAX_MESSAGE_BYTES } from "../../src/pipeline/pack-events";
import { coalescedSend, MAX_BATCH_BYTES } from "../../src/pipeline/send-coalescer";

function event(id: string, padding = 0): TrackingEvent {
  return {
    id,
    type: "open",
    campaignId: "c",
    contactId: "a@example.com",
    email: "a@example.com",
    sesMessageId: null,
    occurredAt: 1,
    link: null,
    linkIndex: null,
    userAgent: padding > 0 ? "x".repeat(padding) : null,
    ip: null,
    request: null,
    metadata: null,
  };
}

/** A queue that records each sendBatch call, and fails while `failing` is set. */
function fakeQueue() {
  const calls: EventEnvelope[][] = [];
  const state = { failing: false };
  const queue = {
    async send() {
      throw new Error("the edge must use sendBatch");
    },
    async sendBatch(messages: Iterable<{ body: EventEnvelope }>) {
      if (state.failing) throw new Error("queue down");
      calls.push([...messages].map((m) => m.body));
    },
  } as unknown as Queue;
  return { queue, calls, state };
}

/** One request's waitUntil: what it was handed, to be awaited like the runtime would. */
function request() {
  const kept: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void kept.push(p), settled: () => Promise.all(kept), kept };
}

/** Per sendBatch call, per message, the ids of its events. */
const ids = (calls: EventEnvelope[][]) => calls.map((batch) => batch.map((body) => body.events.map((e) => e.id)));

describe("coalescedSend", () => {
  it("sends the events of one window in one sendBatch, as one message, in order, and tells every caller", async () => {
    const { queue, calls } = fakeQueue();
    const sent: string[] = [];
    const first = request();
    const others = [request(), request()];
    coalescedSend(queue, [event("e1")], { onSent: () => sent.push("e1"), onFailed: () => {} }, first.waitUntil);
    coalescedSend(queue, [event("e2"), event("e2b")], { onSent: () => sent.push("e2"), onFailed: () => {} }, others[0]!.waitUntil);
    coalescedSend(queue, [event("e3")], { onSent: () => sent.push("e3"), onFailed: () => {} }, others[1]!.waitUntil);
    // Only the request that opened the batch keeps work alive; the others wait for nothing.
    expect(first.kept).toHaveLength(1);
    expect(others.map((o) => o.kept.length)).toEqual([0, 0]);
    expect(calls).toEqual([]);
    await first.settled();
    expect(ids(calls)).toEqual([[["e1", "e2", "e2b", "e3"]]]);
    // Each message is an envelope the consumer reads.
    expect(calls.flat().every((body) => readEnvelope(body).ok)).toBe(true);
    expect(sent).toEqual(["e1", "e2", "e3"]);

    // The window has closed: the next event opens a new batch.
    const later = request();
    coalescedSend(queue, [event("e4")], { onFailed: () => {} }, later.waitUntil);
    await later.settled();
    expect(ids(calls)).toEqual([[["e1", "e2", "e2b", "e3"]], [["e4"]]]);
  });

  it("packs a window past one message's size into several messages of one sendBatch, each under the limit", async () => {
    const { queue, calls } = fakeQueue();
    // About 50 events fill a message: 120 of them need three.
    const each = Math.floor(MAX_MESSAGE_BYTES / 50);
    const requests = Array.from({ length: 120 }, request);
    for (const [i, r] of requests.entries()) coalescedSend(queue, [event(`e${i}`, each)], { onFailed: () => {} }, r.waitUntil);
    await Promise.all(requests.map((r) => r.settled()));
    const all = ids(calls).flat(2);
    expect(all).toEqual(requests.map((_, i) => `e${i}`));
    for (const batch of calls) {
      expect(batch.reduce((n, body) => n + jsonBytes(body), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES + batch.length * 32);
      for (const body of batch) expect(jsonBytes(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    // Fewest messages: within a sendBatch, each message but the last could not have taken the next event.
    for (const batch of calls) {
      for (let m = 0; m + 1 < batch.length; m++) {
        expect(jsonBytes({ v: 1, events: [...batch[m]!.events, batch[m + 1]!.events[0]] })).toBeGreaterThan(MAX_MESSAGE_BYTES);
      }
    }
  });

  it("sends the open batch first when the next events would take it past the byte limit", async () => {
    const { queue, calls } = fakeQueue();
    const big = Math.floor(MAX_BATCH_BYTES / 3);
    const requests = [request(), request(), request(), request()];
    for (const [i, r] of requests.entries()) coalescedSend(queue, [event(`b${i}`, big)], { onFailed: () => {} }, r.waitUntil);
    // The third filled the first batch, which it sent at once.
    expect(requests[2]!.kept).toHaveLength(2);
    await Promise.all(requests.map((r) => r.settled()));
    // A third of a batch is more than half a message: one event a message, two messages a sendBatch.
    expect(ids(calls)).toEqual([
      [["b0"], ["b1"]],
      [["b2"], ["b3"]],
    ]);
  });

  it("tells every caller of a failed send, and the next message tries again in a fresh batch", async () => {
    const { queue, calls, state } = fakeQueue();
    state.failing = true;
    const failed: string[] = [];
    const sent: string[] = [];
    const first = request();
    for (const id of ["f1", "f2"]) {
      coalescedSend(
        queue,
        [event(id)],
        {
          onSent: () => sent.push(id),
          onFailed: (err) => failed.push(`${id}: ${(err as Error).message}`),
        },
        id === "f1" ? first.waitUntil : () => {},
      );
    }
    await first.settled();
    expect(failed).toEqual(["f1: queue down", "f2: queue down"]);
    expect(sent).toEqual([]);

    state.failing = false;
    const retry = request();
    coalescedSend(queue, [event("f3")], { onSent: () => sent.push("f3"), onFailed: () => {} }, retry.waitUntil);
    await retry.settled();
    expect(ids(calls)).toEqual([[["f3"]]]);
    expect(sent).toEqual(["f3"]);
  });

  it("keeps each queue's messages apart, and one throwing callback does not silence the others", async () => {
    const a = fakeQueue();
    const b = fakeQueue();
    const heard: string[] = [];
    const ra = request();
    const rb = request();
    coalescedSend(
      a.queue,
      [event("a1")],
      {
        onSent: () => {
          throw new Error("caller bug");
        },
        onFailed: () => {},
      },
      ra.waitUntil,
    );
    coalescedSend(b.queue, [event("b1")], { onSent: () => heard.push("b1"), onFailed: () => {} }, rb.waitUntil);
    coalescedSend(a.queue, [event("a2")], { onSent: () => heard.push("a2"), onFailed: () => {} }, () => {});
    await Promise.all([ra.settled(), rb.settled()]);
    expect(ids(a.calls)).toEqual([[["a1", "a2"]]]);
    expect(ids(b.calls)).toEqual([[["b1"]]]);
    expect(heard.sort()).toEqual(["a2", "b1"]);
  });
});
