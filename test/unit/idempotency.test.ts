// Idempotency-Key rules without the worker: the key's two spellings, and the canonical body a key is bound to.
import { describe, expect, it } from "vitest";
import { canonicalJson, parseIdempotencyKey } from "../../src/domain/idempotency";

describe("request fingerprints", () => {
  it("ignore key order and spacing, not values", () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: "x" })).toBe(canonicalJson(JSON.parse('{ "a" : "x", "b": [1, {"c":3,"d":2}] }')));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it("take the key bare or as a structured-field string", () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toEqual({ ok: true, key: "8e03978e-40d5-43e8-bc93-6894a57f9324" });
    expect(parseIdempotencyKey("abc")).toEqual({ ok: true, key: "abc" });
    expect(parseIdempotencyKey("")).toMatchObject({ ok: false });
    expect(parseIdempotencyKey("x".repeat(256))).toMatchObject({ ok: false });
  });
});
