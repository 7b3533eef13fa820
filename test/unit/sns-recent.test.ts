// The isolate's memory of enqueued SNS MessageIds: what it answers `duplicate` for, and that it stays bounded.
import { afterEach, describe, expect, it } from "vitest";
import { enqueuedRecently, forgetEnqueued, MAX_REMEMBERED, rememberEnqueued } from "../../src/sns/recent";

afterEach(() => {
  forgetEnqueued();
});

describe("recently enqueued SNS MessageIds", () => {
  it("knows only what was remembered, which happens after a successful enqueue", () => {
    expect(enqueuedRecently("m-1")).toBe(false);
    rememberEnqueued("m-1");
    expect(enqueuedRecently("m-1")).toBe(true);
    expect(enqueuedRecently("m-2")).toBe(false);
  });

  it(`holds at most ${MAX_REMEMBERED} ids and forgets the oldest first`, () => {
    for (let i = 0; i <= MAX_REMEMBERED; i++) rememberEnqueued(`m-${i}`);
    // One over the bound: the first is gone, the second and the newest are kept.
    expect(enqueuedRecently("m-0")).toBe(false);
    expect(enqueuedRecently("m-1")).toBe(true);
    expect(enqueuedRecently(`m-${MAX_REMEMBERED}`)).toBe(true);
    let held = 0;
    for (let i = 0; i <= MAX_REMEMBERED; i++) if (enqueuedRecently(`m-${i}`)) held++;
    expect(held).toBe(MAX_REMEMBERED);
  });
});
