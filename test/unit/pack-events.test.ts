// Packing a window's events into queue messages: each under the size limit, in order, every event exactly once,
// and no more messages than an in-order cut needs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envelope, readEnvelope, type TrackingEvent } from "../../src/domain/events";
import { envelopeBytes, jsonBytes, MAX_MESSAGE_BYTES, packEvents } from "../../src/pipeline/pack-events";

function event(id: string, userAgent: string | null): TrackingEvent {
  return {
    id,
    type: "click",
    campaignId: "c",
    contactId: "a@example.com",
    email: "a@example.com",
    sesMessageId: null,
    occurredAt: 1_700_000_000_000,
    link: "https://example.com/ü",
    linkIndex: 0,
    userAgent,
    ip: "203.0.113.0",
    request: null,
    metadata: null,
  };
}

const pack = (events: TrackingEvent[], maxBytes: number) => packEvents(events, events.map(jsonBytes), maxBytes);

describe("packEvents", () => {
  it("measures an envelope exactly as its JSON, multi-byte characters included", () => {
    const events = [event("a", "é".repeat(10)), event("b", "日本"), event("c", null)];
    expect(envelopeBytes(events.map(jsonBytes))).toBe(new TextEncoder().encode(JSON.stringify(envelope(events))).length);
    expect(envelopeBytes([])).toBe(jsonBytes(envelope([])));
  });

  it("keeps every event once, in order, each message under the limit and a valid envelope, and cuts only when full", () => {
    fc.assert(
      fc.property(
        // Mostly small events (hundreds to a message, as at the edge), some large, some multi-byte.
        fc.array(
          fc.oneof(
            { arbitrary: fc.option(fc.string({ maxLength: 12 }), { nil: null }), weight: 8 },
            { arbitrary: fc.string({ maxLength: 3000, unit: "grapheme" }), weight: 1 },
          ),
          { maxLength: 800, size: "max" },
        ),
        fc.integer({ min: 4_000, max: MAX_MESSAGE_BYTES }),
        (agents, maxBytes) => {
          const events = agents.map((ua, i) => event(`e${i}`, ua));
          const messages = pack(events, maxBytes);
          expect(messages.flatMap((m) => m.events)).toEqual(events);
          for (const m of messages) {
            expect(m.events.length).toBeGreaterThan(0);
            expect(jsonBytes(m)).toBeLessThanOrEqual(maxBytes);
            expect(readEnvelope(JSON.parse(JSON.stringify(m))).ok).toBe(true);
          }
          // A message was closed only because the next event would have taken it past the limit.
          for (let i = 0; i + 1 < messages.length; i++) {
            expect(jsonBytes(envelope([...messages[i]!.events, messages[i + 1]!.events[0]!]))).toBeGreaterThan(maxBytes);
          }
        },
      ),
      // Shrinking arrays of hundreds of events takes minutes: the failing case is reported as found.
      { seed: 2424, numRuns: 200, endOnFailure: true },
    );
  });

  it("packs the edge's events by the hundred into one message", () => {
    const events = Array.from({ length: 150 }, (_, i) => event(`evt-${crypto.randomUUID()}-${i}`, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
    expect(pack(events, MAX_MESSAGE_BYTES)).toHaveLength(1);
  });

  it("lets an event too big for any message travel alone, never dropped or split", () => {
    const events = [event("small", null), event("huge", "x".repeat(5_000)), event("after", null)];
    expect(pack(events, 4_000).map((m) => m.events.map((e) => e.id))).toEqual([["small"], ["huge"], ["after"]]);
  });
});
