// The consumer's view of an event for classification (issue 14): the facts it hands the classifier, and what a click
// keeps for its ±10 s window.
import { describe, expect, it } from "vitest";
import type { TrackingEvent } from "../../src/domain/events";
import { classifyEvent, interactionFacts } from "../../src/pipeline/classify";
import { HONEYPOT_LINK_INDEX } from "../../src/tracking/honeypot";
import { BROWSER_UA } from "../support/helpers";

const T = 1_800_000_000_000;

function event(over: Partial<TrackingEvent> = {}): TrackingEvent & { type: "open" | "click" } {
  return {
    id: "e1",
    type: "click",
    campaignId: "c1",
    contactId: "ann@example.com",
    email: "ann@example.com",
    sesMessageId: null,
    occurredAt: T,
    link: "https://shop.example/a",
    linkIndex: 3,
    userAgent: BROWSER_UA,
    ip: "203.0.113.7",
    request: { method: "GET", accept: "text/html", asn: 64500 },
    metadata: { messageId: "m-9" },
    ...over,
  } as TrackingEvent & { type: "open" | "click" };
}

describe("interactionFacts", () => {
  it("hands the classifier the request's facts, the seconds since send, and the click alone in its window", () => {
    expect(interactionFacts(event(), T - 90_000)).toEqual({
      kind: "click",
      method: "GET",
      userAgent: BROWSER_UA,
      ip: "203.0.113.7",
      asn: 64500,
      accept: "text/html",
      secondsSinceSend: 90,
      link: "3",
      distinctLinksSameSource10s: 1,
      honeypotSameSource10s: false,
    });
    expect(interactionFacts(event({ type: "open", link: null, linkIndex: null }), null)).toMatchObject({
      kind: "open",
      link: null,
      secondsSinceSend: null,
      distinctLinksSameSource10s: null,
      honeypotSameSource10s: null,
    });
  });

  it("names the honeypot, reads an event queued without signals as a GET, and a send after the event as unknown", () => {
    expect(interactionFacts(event({ linkIndex: HONEYPOT_LINK_INDEX }), null).link).toBe("honeypot");
    // SES's own click events are never our honeypot, whatever index they carry.
    expect(interactionFacts(event({ linkIndex: HONEYPOT_LINK_INDEX, metadata: { source: "ses" } }), null).link).toBe(String(HONEYPOT_LINK_INDEX));
    expect(interactionFacts(event({ request: undefined }), null)).toMatchObject({ method: "GET", accept: null, asn: null });
    expect(interactionFacts(event(), T + 1).secondsSinceSend).toBeNull();
  });
});

describe("classifyEvent", () => {
  it("gives opens and clicks a verdict and a click with an address its window entry, leaving the queued event as it came", () => {
    const queued = event();
    const copy = structuredClone(queued);
    const out = classifyEvent(queued, null);
    expect(out).toMatchObject({ machine: false, machineReason: "human" });
    expect(out.clickWindow).toEqual({
      message: "ann@example.com\nm-9",
      source: "203.0.113.0/24",
      link: "3",
      verdicts: ["human", "human", "burst", "honeypot_window"],
    });
    expect(queued).toEqual(copy);
  });

  it("keeps no window for a click without an address or reported by SES, and none for an open; other events pass through", () => {
    expect(classifyEvent(event({ ip: null }), null).clickWindow).toBeNull();
    expect(classifyEvent(event({ metadata: { source: "ses" } }), null).clickWindow).toBeNull();
    expect(classifyEvent(event({ type: "open" }), null)).toMatchObject({ machine: false, machineReason: "human", clickWindow: null });
    expect(classifyEvent(event({ request: { method: "HEAD", accept: null, asn: null } }), null)).toMatchObject({
      machine: true,
      machineReason: "head_request",
    });
    const send = event({ type: "send" });
    expect(classifyEvent(send, null)).toBe(send);
  });
});
