// The shared helpers of src/lib/: the bounded map, the promise cache and memo, and log-once.
import { describe, expect, it } from "vitest";
import { BoundedMap } from "../../src/lib/bounded-map";
import { LogOnce } from "../../src/lib/log-once";
import { memo, PromiseCache } from "../../src/lib/promise-cache";

describe("BoundedMap", () => {
  it("holds at most max entries and forgets the oldest first; setting a key again makes it the newest", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2).set("a", 3).set("c", 4);
    expect([...map]).toEqual([
      ["a", 3],
      ["c", 4],
    ]);
    expect(map.has("b")).toBe(false);
    expect(map.size).toBe(2);
  });
});

describe("PromiseCache", () => {
  it("shares one attempt between concurrent callers and forgets a failure", async () => {
    const cache = new PromiseCache<number>(4);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("down"));
    };
    await expect(Promise.all([cache.get("k", failing), cache.get("k", failing)])).rejects.toThrow("down");
    expect(calls).toBe(1);
    expect(await cache.get("k", async () => 7)).toBe(7);
    expect(await cache.get("k", async () => 8)).toBe(7);
  });

  it("memo keeps failures too, for the life of the function", async () => {
    let calls = 0;
    const load = memo(async (key: string) => {
      calls++;
      throw new Error(key);
    });
    await expect(load("x")).rejects.toThrow("x");
    await expect(load("x")).rejects.toThrow("x");
    expect(calls).toBe(1);
  });
});

describe("LogOnce", () => {
  it("lets each key through once", () => {
    const once = new LogOnce();
    expect([once.first("a"), once.first("a"), once.first("b"), once.first()]).toEqual([true, false, true, true]);
    expect(once.first()).toBe(false);
  });
});
