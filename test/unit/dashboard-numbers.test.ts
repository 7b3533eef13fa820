// The dashboard's number formatting and its SES-threshold rule (web/src, pure modules shared with the browser test).
import { describe, expect, it } from "vitest";
import { formatAxisTimes, formatBucket, formatCount, formatDateTime, formatMachineReason, formatRate, plural } from "../../web/src/format";
import { needsAttention, rateOf, reputation } from "../../web/src/reputation";

describe("dashboard formatting", () => {
  it("writes counts with separators and the API's 4-decimal rates as percentages", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect([0, 1, 0.5, 0.1234, 0.0012, 0.001, 0.0001].map(formatRate)).toEqual(["0%", "100%", "50%", "12.34%", "0.12%", "0.1%", "0.01%"]);
    expect([plural(1, "complaint", "complaints"), plural(2, "complaint", "complaints"), plural(0, "a", "b")]).toEqual([
      "1 complaint",
      "2 complaints",
      "0 b",
    ]);
  });

  it("writes times in UTC, whatever the machine's zone", () => {
    expect(formatDateTime("2026-11-30T14:05:59.999Z")).toBe("2026-11-30 14:05 UTC");
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("not a date")).toBe("—");
    expect(formatBucket("2026-03-09T07:00:00.000Z", "hour")).toBe("2026-03-09 07:00");
    expect(formatBucket("2026-03-09T00:00:00.000Z", "day")).toBe("2026-03-09");
  });

  it("labels a time axis with hours, and the date under each day's first tick", () => {
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(formatAxisTimes([at("2026-11-29T22:00Z"), at("2026-11-29T23:00Z"), at("2026-11-30T00:00Z"), at("2026-11-30T01:00Z")], 3600)).toEqual([
      "22:00\nNov 29",
      "23:00",
      "00:00\nNov 30",
      "01:00",
    ]);
    expect(formatAxisTimes([at("2026-12-31T00:00Z"), at("2027-01-01T00:00Z")], 86_400)).toEqual(["Dec 31", "Jan 1"]);
  });

  it("names machine reasons in words, and still reads a code it does not know", () => {
    expect(formatMachineReason("mpp_proxy")).toBe("Apple Mail Privacy Protection");
    expect(formatMachineReason("some_new_reason")).toBe("Some new reason");
  });
});

describe("SES thresholds", () => {
  const stats = (sent: number, delivered: number, hard: number, complaints: number) => ({
    sent,
    delivered,
    bounces: { hard },
    rates: { complaint: rateOf(complaints, delivered) },
  });

  it("counts hard bounces over sent, rounded like the API, 0 with nothing sent", () => {
    expect(rateOf(3, 40)).toBe(0.075);
    expect(rateOf(1, 3)).toBe(0.3333);
    expect(rateOf(5, 0)).toBe(0);
  });

  it("reviews at 5% hard bounces and 0.1% complaints, pauses at 10% and 0.5%: at the threshold counts as over", () => {
    const levels = (s: ReturnType<typeof stats>) => [reputation(s).bounce.level, reputation(s).complaint.level];
    expect(levels(stats(1000, 1000, 49, 0))).toEqual(["ok", "ok"]);
    expect(levels(stats(1000, 1000, 50, 1))).toEqual(["review", "review"]);
    expect(levels(stats(1000, 1000, 99, 4))).toEqual(["review", "review"]);
    expect(levels(stats(1000, 1000, 100, 5))).toEqual(["pause", "pause"]);
    expect(needsAttention(stats(1000, 1000, 49, 0))).toBe(false);
    expect(needsAttention(stats(1000, 1000, 0, 1))).toBe(true);
    expect(needsAttention(stats(0, 0, 0, 0))).toBe(false);
  });
});
