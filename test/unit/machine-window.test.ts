// The click window (issue 14): the four verdicts a click can end with are exactly what the classifier says for the
// window it turns out to have; sources group /24 and /48; Microsoft's EOP ranges are read from the recorded answer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyInteraction, type InteractionFacts } from "../../src/machine/classify";
import { MICROSOFT_EOP } from "../../src/machine/lists/mail-filters";
import { EndpointsFormatError, eopRangesFromEndpoints } from "../../src/machine/microsoft-endpoints";
import { sourceOf, verdictInWindow, windowVerdicts } from "../../src/machine/window";
import labelledJson from "../fixtures/machine/labelled.json";
import endpointsJson from "../fixtures/machine/microsoft-endpoints-worldwide.json";
import type { LabelledSet } from "../support/machine-agreement";

const clicks = (labelledJson as unknown as LabelledSet).cases.filter((c) => c.facts.kind === "click").map((c) => c.facts);

describe("verdicts by window", () => {
  it("picks, for any click of the labelled set and any window, the reason classifyInteraction gives with that window", () => {
    expect(clicks.length).toBeGreaterThan(50);
    const property = fc.property(
      fc.constantFrom(...clicks),
      fc.integer({ min: 1, max: 12 }),
      fc.boolean(),
      fc.constantFrom("192.0.2.7", "104.47.11.21", "2001:db8::1", null),
      (facts: InteractionFacts, links, honeypot, ip) => {
        // Half the runs keep the case's own address, half move it, so network rules meet every window.
        const base = { ...facts, ip: links % 2 === 0 ? facts.ip : ip };
        const expected = classifyInteraction({ ...base, distinctLinksSameSource10s: links, honeypotSameSource10s: honeypot }).reason;
        expect(verdictInWindow(windowVerdicts(base), { links, honeypot })).toBe(expected);
      },
    );
    fc.assert(property, { seed: 1414, numRuns: 2000 });
  });

  it("turns a person's lone click into a burst at three links and into honeypot_window next to a trap hit", () => {
    const click = clicks.find((f) => classifyInteraction(f).reason === "human" && f.accept?.includes("text/html"))!;
    const verdicts = windowVerdicts({ ...click, distinctLinksSameSource10s: 1, honeypotSameSource10s: false });
    expect(verdicts).toEqual(["human", "human", "burst", "honeypot_window"]);
    // A HEAD is a machine whatever its window says.
    expect(windowVerdicts({ ...click, method: "HEAD" })).toEqual(["head_request", "head_request", "head_request", "head_request"]);
  });
});

describe("sourceOf", () => {
  it("groups IPv4 by /24 and IPv6 by /48, IPv4-mapped IPv6 as IPv4", () => {
    expect(sourceOf("203.0.113.7")).toBe("203.0.113.0/24");
    expect(sourceOf("203.0.113.250")).toBe(sourceOf("203.0.113.7"));
    expect(sourceOf("203.0.114.7")).not.toBe(sourceOf("203.0.113.7"));
    expect(sourceOf("::ffff:203.0.113.9")).toBe("203.0.113.0/24");
    expect(sourceOf("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(sourceOf("2001:0db8:abcd:ffff:1::9")).toBe("2001:db8:abcd::/48");
    expect(sourceOf("2001:db8:abce::1")).not.toBe(sourceOf("2001:db8:abcd::1"));
    for (const bad of [null, undefined, "", "not an ip", "300.1.2.3"]) expect(sourceOf(bad)).toBeNull();
  });
});

describe("Microsoft's EOP ranges from the endpoints web service", () => {
  const recorded = JSON.stringify(endpointsJson);

  it("reads exactly the Exchange Online Protection sets of the recorded answer: the ranges bundled with the code", () => {
    expect(eopRangesFromEndpoints(recorded).sort()).toEqual([...MICROSOFT_EOP].sort());
  });

  it("refuses answers that are not JSON, not a list, name no IPv4 range or hold an implausible range", () => {
    const eop = (ips: string[]) => JSON.stringify([{ id: 10, serviceArea: "Exchange", urls: ["*.mail.protection.outlook.com"], ips }]);
    for (const bad of [
      "not json",
      "{}",
      "[]",
      eop([]),
      eop(["2a01:111:f400::/48"]),
      eop(["40.92.0.0/15", "0.0.0.0/0"]),
      eop(["40.92.0.0/15", "40.0.0.0/7"]),
      eop(["40.92.0.0"]),
      eop(["40.92.0.0/15", "2a01::/12"]),
    ]) {
      expect(() => eopRangesFromEndpoints(bad), bad).toThrow(EndpointsFormatError);
    }
    expect(eopRangesFromEndpoints(eop(["40.92.0.0/15", "2a01:111:f400::/48"]))).toEqual(["40.92.0.0/15", "2a01:111:f400::/48"]);
  });
});
