// The reputation guard's rule: when sends, hard bounces and complaints call for a pause.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crossing, minus } from "../../src/domain/guard-rules";

describe("guard rule", () => {
  /** The defaults of GUARD_MIN_SENT, GUARD_BOUNCE_RATE and GUARD_COMPLAINT_RATE (config.test.ts checks them). */
  const th = { minSent: 500, bounceRate: 0.05, complaintRate: 0.001 };

  it("never pauses below the minimum sent, whatever the rates", () => {
    expect(crossing({ sent: 499, bouncesHard: 499, complaints: 499 }, th)).toBeNull();
  });

  it("pauses at a bounce rate of 5 % of 500 sends, not one bounce below", () => {
    expect(crossing({ sent: 500, bouncesHard: 24, complaints: 0 }, th)).toBeNull();
    expect(crossing({ sent: 500, bouncesHard: 25, complaints: 0 }, th)).toEqual({
      reason: "bounce_rate",
      tally: { sent: 500, bouncesHard: 25, complaints: 0 },
      bounceRate: 0.05,
      complaintRate: 0,
    });
  });

  it("pauses at a complaint rate of 0.1 %: 1 complaint in 1,000 sends, not in 1,001", () => {
    expect(crossing({ sent: 1001, bouncesHard: 0, complaints: 1 }, th)).toBeNull();
    expect(crossing({ sent: 1000, bouncesHard: 0, complaints: 1 }, th)).toMatchObject({ reason: "complaint_rate", complaintRate: 0.001 });
  });

  it("agrees with the plain definition for any tally (seeded)", () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.nat(400), fc.nat(20), (sent, bouncesHard, complaints) => {
        const expected = sent >= th.minSent && (bouncesHard / sent >= th.bounceRate || complaints / sent >= th.complaintRate);
        expect(crossing({ sent, bouncesHard, complaints }, th) !== null).toBe(expected);
      }),
      { seed: 17, numRuns: 2000 },
    );
  });

  it("judges counts since a resume by subtracting the baseline", () => {
    expect(minus({ sent: 900, bouncesHard: 40, complaints: 1 }, { sent: 500, bouncesHard: 30, complaints: 1 })).toEqual({
      sent: 400,
      bouncesHard: 10,
      complaints: 0,
    });
  });
});
