// The edge's event ids: one per token, client network and minute, so replays are absorbed where they are stored.
import { describe, expect, it } from "vitest";
import { readEnvelope } from "../../src/domain/events";
import { repeatEventId, requestFacts } from "../../src/tracking/edge-event";

describe("repeatEventId", () => {
  const facts = (ip: string | null, now: number, method = "GET") => ({ ip, userAgent: null, now, signals: { method, accept: null, asn: null } });
  const t0 = 1_800_000_000_000; // a window boundary (a multiple of 60 s)

  it("is one id for one token, method, network and minute, and another for anything else", async () => {
    const id = await repeatEventId("open", "TOKEN", facts("203.0.113.9", t0));
    expect(id).toMatch(/^open:[A-Za-z0-9_-]{22}$/);
    expect(await repeatEventId("open", "TOKEN", facts("203.0.113.250", t0 + 59_999))).toBe(id);
    for (const other of [
      repeatEventId("open", "TOKEN", facts("203.0.114.9", t0)),
      repeatEventId("open", "TOKEN", facts("203.0.113.9", t0 + 60_000)),
      repeatEventId("open", "TOKEN", facts("203.0.113.9", t0 - 1)),
      repeatEventId("open", "TOKEN2", facts("203.0.113.9", t0)),
      repeatEventId("click", "TOKEN", facts("203.0.113.9", t0)),
      repeatEventId("open", "TOKEN", facts(null, t0)),
      // A scanner's HEAD from the same network is its own event: it never stands in for a person's GET.
      repeatEventId("open", "TOKEN", facts("203.0.113.9", t0, "HEAD")),
    ]) {
      expect(await other).not.toBe(id);
    }
    // IPv6: one /48.
    const v6 = await repeatEventId("click", "T", facts("2001:db8:1:2::1", t0));
    expect(await repeatEventId("click", "T", facts("2001:db8:1:ffff::9", t0))).toBe(v6);
    expect(await repeatEventId("click", "T", facts("2001:db8:2::1", t0))).not.toBe(v6);
  });
});

describe("requestFacts' country", () => {
  const facts = (cf?: Record<string, unknown>) => requestFacts(new Request("https://t.example/o/x.gif", cf ? ({ cf } as RequestInit) : undefined), 0);

  it("is the edge's request.cf.country, upper-cased; none when absent or not a 2-character code", () => {
    expect(facts({ country: "DE", asn: 3320 }).signals).toEqual({ method: "GET", accept: null, asn: 3320, country: "DE" });
    expect(facts({ country: "gb" }).signals.country).toBe("GB");
    expect(facts({ country: "T1" }).signals.country).toBe("T1");
    // Unknown: left out of the signals (the queue message is as before).
    expect(facts({}).signals).toEqual({ method: "GET", accept: null, asn: null });
    expect(facts({ country: "Germany" }).signals.country).toBeUndefined();
    expect(facts({ country: 49 }).signals.country).toBeUndefined();
  });

  it("is optional on the queue: a message queued before it was added still reads, and a new one keeps it", () => {
    const event = { id: "open:x", type: "open", campaignId: "c", contactId: "a@example.com", email: null, sesMessageId: null, occurredAt: 1 };
    const old = readEnvelope({ v: 1, events: [{ ...event, request: { method: "GET", accept: null, asn: null } }] });
    expect(old.ok && old.value.events[0]?.request).toEqual({ method: "GET", accept: null, asn: null });
    const now = readEnvelope({ v: 1, events: [{ ...event, request: { method: "GET", accept: null, asn: null, country: "FR" } }] });
    expect(now.ok && now.value.events[0]?.request?.country).toBe("FR");
  });
});
