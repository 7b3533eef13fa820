// The edge's queue sends gathered into one sendBatch per few milliseconds, with every caller told the outcome.
import { describe, expect, it } from "vitest";
import type { EventEnvelope, TrackingEvent } from "../../src/domain/events";
import { envelope } from "../../src/domain/events";
import { coalescedSend, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from "../../src/pipeline/send-coalescer";

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

const ids = (calls: EventEnvelope[][]) => calls.map((batch) => batch.map((body) => body.events[0]!.id));

describe("coalescedSend", () => {
  it("sends the messages of one window in one sendBatch, in order, and tells every caller", async () => {
    const { queue, calls } = fakeQueue();
    const sent: string[] = [];
    const first = request();
    const others = [request(), request()];
    coalescedSend(queue, envelope([event("e1")]), { onSent: () => sent.push("e1"), onFailed: () => {} }, first.waitUntil);
    coalescedSend(queue, envelope([event("e2")]), { onSent: () => sent.push("e2"), onFailed: () => {} }, others[0]!.waitUntil);
    coalescedSend(queue, envelope([event("e3")]), { onSent: () => sent.push("e3"), onFailed: () => {} }, others[1]!.waitUntil);
    // Only the request that opened the batch keeps work alive; the others wait for nothing.
    expect(first.kept).toHaveLength(1);
    expect(others.map((o) => o.kept.length)).toEqual([0, 0]);
    expect(calls).toEqual([]);
    await first.settled();
    expect(ids(calls)).toEqual([["e1", "e2", "e3"]]);
    expect(sent).toEqual(["e1", "e2", "e3"]);

    // The window has closed: the next message opens a new batch.
    const later = request();
    coalescedSend(queue, envelope([event("e4")]), { onFailed: () => {} }, later.waitUntil);
    await later.settled();
    expect(ids(calls)).toEqual([["e1", "e2", "e3"], ["e4"]]);
  });

  it("sends a full batch at once, from the request that filled it, and starts a new one", async () => {
    const { queue, calls } = fakeQueue();
    const requests = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, request);
    for (const [i, r] of requests.entries()) coalescedSend(queue, envelope([event(`e${i}`)]), { onFailed: () => {} }, r.waitUntil);
    const filler = requests[MAX_BATCH_MESSAGES - 1]!;
    expect(filler.kept).toHaveLength(1);
    await filler.settled();
    // Sent before the first request's window ended.
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(MAX_BATCH_MESSAGES);
    await Promise.all(requests.map((r) => r.settled()));
    expect(ids(calls)[1]).toEqual([`e${MAX_BATCH_MESSAGES}`]);
    expect(calls.flat()).toHaveLength(MAX_BATCH_MESSAGES + 1);
  });

  it("sends the open batch first when the next message would take it past the byte limit", async () => {
    const { queue, calls } = fakeQueue();
    const big = Math.floor(MAX_BATCH_BYTES / 3);
    const requests = [request(), request(), request(), request()];
    for (const [i, r] of requests.entries()) coalescedSend(queue, envelope([event(`b${i}`, big)]), { onFailed: () => {} }, r.waitUntil);
    await Promise.all(requests.map((r) => r.settled()));
    expect(ids(calls)).toEqual([
      ["b0", "b1"],
      ["b2", "b3"],
    ]);
    for (const batch of calls) expect(JSON.stringify(batch).length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
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
        envelope([event(id)]),
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
    coalescedSend(queue, envelope([event("f3")]), { onSent: () => sent.push("f3"), onFailed: () => {} }, retry.waitUntil);
    await retry.settled();
    expect(ids(calls)).toEqual([["f3"]]);
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
      envelope([event("a1")]),
      {
        onSent: () => {
          throw new Error("caller bug");
        },
        onFailed: () => {},
      },
      ra.waitUntil,
    );
    coalescedSend(b.queue, envelope([event("b1")]), { onSent: () => heard.push("b1"), onFailed: () => {} }, rb.waitUntil);
    coalescedSend(a.queue, envelope([event("a2")]), { onSent: () => heard.push("a2"), onFailed: () => {} }, () => {});
    await Promise.all([ra.settled(), rb.settled()]);
    expect(ids(a.calls)).toEqual([["a1", "a2"]]);
    expect(ids(b.calls)).toEqual([["b1"]]);
    expect(heard.sort()).toEqual(["a2", "b1"]);
  });
});
