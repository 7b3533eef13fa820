// Tracking tokens: round trips, and every kind of tampering refused.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../../src/tracking/base64url";
import { keyRing, parseKeySpec } from "../../src/tracking/keys";
import { signToken, verifyToken, type TokenPayload } from "../../src/tracking/token";
import { TEST_KEY_1, TEST_KEY_2 } from "../support/secrets";

const click: TokenPayload = {
  kind: "click",
  campaignId: "spring-sale",
  contact: "Ann.Lee@Example.com",
  url: "https://shop.example.com/p?id=7&utm_source=mail#top",
  linkIndex: 3,
};

function flipBit(token: string, bit: number): string {
  const bytes = decodeBase64Url(token)!;
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return encodeBase64Url(bytes);
}

/** Sign arbitrary bytes with a test key, as an attacker holding the key could: for structure checks. */
async function signRaw(body: Uint8Array, spec = TEST_KEY_2): Promise<string> {
  const { secret } = parseKeySpec(spec)[0]!;
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const out = new Uint8Array(body.length + tag.length);
  out.set(body);
  out.set(tag, body.length);
  return encodeBase64Url(out);
}

describe("tracking tokens", () => {
  it("round-trips every kind, with the signing key's id", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    for (const payload of [
      click,
      { kind: "open", campaignId: "c1", contact: "a@b.co" } as const,
      { kind: "unsubscribe", campaignId: "c1", contact: "a@b.co", messageId: "m-42" } as const,
    ]) {
      const result = await verifyToken(await signToken(payload, ring), ring);
      expect(result).toEqual({ ok: true, payload: { ...payload }, keyId: 2 });
    }
  });

  it("is compact and URL-safe", async () => {
    const token = await signToken({ kind: "open", campaignId: "c1", contact: "someone@example.com" }, await keyRing(env.TRACKING_KEYS));
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(100);
  });

  it("refuses a token after any single bit of payload or tag is flipped", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await signToken(click, ring);
    const bits = decodeBase64Url(token)!.length * 8;
    for (let bit = 0; bit < bits; bit++) {
      const result = await verifyToken(flipBit(token, bit), ring);
      expect(result.ok, `bit ${bit}`).toBe(false);
    }
  });

  it("refuses every truncation and any appended byte", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await signToken(click, ring);
    for (let len = 0; len < token.length; len++) {
      expect((await verifyToken(token.slice(0, len), ring)).ok, `length ${len}`).toBe(false);
    }
    const bytes = decodeBase64Url(token)!;
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect((await verifyToken(encodeBase64Url(longer), ring)).ok).toBe(false);
  });

  it("refuses a token signed by a key this deployment does not hold", async () => {
    const foreign = await keyRing("2:" + encodeBase64Url(new Uint8Array(32).fill(9)));
    const token = await signToken(click, foreign);
    expect(await verifyToken(token, await keyRing(env.TRACKING_KEYS))).toEqual({ ok: false, reason: "bad_signature" });
    const removed = await keyRing(TEST_KEY_2); // key 1 was retired
    const old = await signToken(click, await keyRing(TEST_KEY_1));
    expect(await verifyToken(old, removed)).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("keeps tokens signed by an older key valid after rotation", async () => {
    const before = await keyRing(TEST_KEY_1);
    const token = await signToken(click, before);
    const after = await keyRing(`${TEST_KEY_2},${TEST_KEY_1}`);
    const result = await verifyToken(token, after);
    expect(result).toMatchObject({ ok: true, keyId: 1, payload: { url: click.url } });
    // New links are signed by the new first key.
    expect(await verifyToken(await signToken(click, after), after)).toMatchObject({ ok: true, keyId: 2 });
  });

  it("will not sign a destination that is not an absolute http(s) URL", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    for (const url of ["javascript:alert(1)", "/relative/path", "//evil.example/x", "data:text/html,hi", "ftp://x.example/", "mailto:a@b.co", ""]) {
      await expect(signToken({ ...click, url }, ring), url).rejects.toThrow(/http/);
    }
  });

  it("refuses a correctly signed token whose destination is not http(s)", async () => {
    const enc = new TextEncoder();
    const url = enc.encode("javascript:alert(document.domain)");
    const body = Uint8Array.from([1, 2, 2, 1, 0x63, 1, 0x61, 0, 0, 0, 0, url.length, ...url]);
    const result = await verifyToken(await signRaw(body), await keyRing(env.TRACKING_KEYS));
    expect(result).toEqual({ ok: false, reason: "bad_destination" });
  });

  it("refuses non-canonical base64url spellings and oversized input without work", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await signToken({ kind: "open", campaignId: "c", contact: "a@b.co" }, ring);
    expect((await verifyToken(token + "=", ring)).ok).toBe(false);
    expect(
      (
        await verifyToken(
          token.replace(/.$/, (ch) => (ch === "A" ? "B" : "A")),
          ring,
        )
      ).ok,
    ).toBe(false);
    expect(await verifyToken("A".repeat(100_000), ring)).toEqual({ ok: false, reason: "malformed" });
  });

  it("rejects malformed key configuration with a clear message", () => {
    expect(() => parseKeySpec("")).toThrow(/TRACKING_KEYS is not set/);
    expect(() => parseKeySpec("0:" + "A".repeat(43))).toThrow(/id 1-255/);
    expect(() => parseKeySpec("1:short")).toThrow(/at least 32 bytes/);
    expect(() => parseKeySpec(`${TEST_KEY_1},${TEST_KEY_1}`)).toThrow(/twice/);
  });
});
