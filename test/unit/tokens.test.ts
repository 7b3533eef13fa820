// Tracking tokens: round trips, and every kind of tampering refused, for version 1 (HMAC, still verified) and version 2
// (AES-GCM, minted by default); version 2 reveals nothing of its payload and stays about as short.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../../src/lib/base64url";
import { keyRing, parseKeySpec } from "../../src/config/tracking-keys";
import { signToken, TOKEN_VERSION, verifyToken, type TokenPayload, type TokenVersion } from "../../src/tracking/token";
import { normalizeDestination } from "../../src/domain/destination";
import { TEST_KEY_1, TEST_KEY_2 } from "../support/secrets";

const click: TokenPayload = {
  kind: "click",
  campaignId: "spring-sale",
  contact: "Ann.Lee@Example.com",
  url: "https://shop.example.com/p?id=7&utm_source=mail#top",
  linkIndex: 3,
};

/** Minted by the code as it was before version 2 existed (key 2 of the test keys): links like it are in inboxes. */
const V1_CLICK_FROM_BEFORE =
  "AQICC3NwcmluZy1zYWxlE0Fubi5MZWVARXhhbXBsZS5jb20AAAMAM2h0dHBzOi8vc2hvcC5leGFtcGxlLmNvbS9wP2lkPTcmdXRtX3NvdXJjZT1tYWlsI3RvcFBP_8VSEPpcXMxuLc4Jwhy0w60DDtJZexe27b_bwf-n";
/** The same link as version 2 mints it today: pinned, so a change to the format or the key derivation cannot go unnoticed. */
const V2_CLICK =
  "AgJLQyXNxFXRdIBwaPjGHsXy1gfEwbSwD8KXMwvw57chFeOC65wQJ4gV_AaCobVnNo7w_wBZfjY-fbb338Taqt35YkY8d57mRdTuzT1dU34Mv-j64bB75-RGFTEkeDLqUicbLJIpV9f7OTu_";

function flipBit(token: string, bit: number): string {
  const bytes = decodeBase64Url(token)!;
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return encodeBase64Url(bytes);
}

/** Sign arbitrary version-1 bytes with a test key, as an attacker holding the key could: for structure checks. */
async function signRawV1(body: Uint8Array<ArrayBuffer>, spec = TEST_KEY_2): Promise<string> {
  const { secret } = parseKeySpec(spec)[0]!;
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const tag = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const out = new Uint8Array(body.length + tag.length);
  out.set(body);
  out.set(tag, body.length);
  return encodeBase64Url(out);
}

/** Seal an arbitrary version-2 plaintext with key 2 (a random IV: only the tag matters to the reader). */
async function sealRawV2(plaintext: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = (await keyRing(TEST_KEY_2)).keys.get(2)!;
  const header = Uint8Array.of(2, 2);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: header }, key.aead, plaintext));
  return encodeBase64Url(Uint8Array.from([...header, ...iv, ...sealed]));
}

const utf8 = new TextEncoder();
/** head (kind | flags), "c", "a@b.co", no messageId; then whatever a click adds. */
const v2Plain = (head: number, ...tail: number[]) => Uint8Array.from([head, 1, 0x63, 6, ...utf8.encode("a@b.co"), 0, ...tail]);

describe.each([1, 2] as TokenVersion[])("version %i tokens", (version) => {
  const sign = (payload: TokenPayload, ring: Parameters<typeof signToken>[1]) => signToken(payload, ring, version);

  it("round-trip every kind, with the signing key's id and their version", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    for (const payload of [
      click,
      { kind: "click", campaignId: "c", contact: "a@b.co", url: "http://x.example/", linkIndex: 0 } as const,
      { kind: "click", campaignId: "c", contact: "a@b.co", url: "https://x.example/long", linkIndex: 65_535 } as const,
      { kind: "open", campaignId: "c1", contact: "a@b.co" } as const,
      { kind: "unsubscribe", campaignId: "c1", contact: "ä@b.co", messageId: "m-42" } as const,
    ]) {
      const token = await sign(payload, ring);
      expect(decodeBase64Url(token)![0]).toBe(version);
      expect(await verifyToken(token, ring)).toEqual({ ok: true, payload: { ...payload }, keyId: 2, version });
    }
  });

  it("are URL-safe and the same for the same link", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await sign({ kind: "open", campaignId: "c1", contact: "someone@example.com" }, ring);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(100);
    expect(await sign(click, ring)).toBe(await sign({ ...click }, ring));
    expect(await sign(click, ring)).not.toBe(await sign({ ...click, linkIndex: 4 }, ring));
  });

  it("are refused after any single bit of any byte is flipped", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await sign(click, ring);
    const bits = decodeBase64Url(token)!.length * 8;
    for (let bit = 0; bit < bits; bit++) {
      const result = await verifyToken(flipBit(token, bit), ring);
      expect(result.ok, `bit ${bit}`).toBe(false);
    }
  });

  it("are refused after every truncation and any appended byte", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await sign(click, ring);
    for (let len = 0; len < token.length; len++) {
      expect((await verifyToken(token.slice(0, len), ring)).ok, `length ${len}`).toBe(false);
    }
    const bytes = decodeBase64Url(token)!;
    for (const extra of [0, 1, 0xff]) {
      expect((await verifyToken(encodeBase64Url(Uint8Array.from([...bytes, extra])), ring)).ok, `appended ${extra}`).toBe(false);
    }
  });

  it("are refused when made with a key this deployment does not hold, or no longer lists", async () => {
    const foreign = await keyRing(`2:${encodeBase64Url(new Uint8Array(32).fill(9))}`);
    const token = await sign(click, foreign);
    expect(await verifyToken(token, await keyRing(env.TRACKING_KEYS))).toEqual({ ok: false, reason: "bad_signature" });
    const removed = await keyRing(TEST_KEY_2); // key 1 was retired
    const old = await sign(click, await keyRing(TEST_KEY_1));
    expect(await verifyToken(old, removed)).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("stay valid after rotation while their key is listed", async () => {
    const before = await keyRing(TEST_KEY_1);
    const token = await sign(click, before);
    const after = await keyRing(`${TEST_KEY_2},${TEST_KEY_1}`);
    expect(await verifyToken(token, after)).toMatchObject({ ok: true, keyId: 1, version, payload: { url: click.url } });
    // New links are made with the new first key.
    expect(await verifyToken(await sign(click, after), after)).toMatchObject({ ok: true, keyId: 2 });
  });

  it("will not be made for a destination that is not an absolute http(s) URL", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    for (const url of ["javascript:alert(1)", "/relative/path", "//evil.example/x", "data:text/html,hi", "ftp://x.example/", "mailto:a@b.co", ""]) {
      await expect(sign({ ...click, url }, ring), url).rejects.toThrow(/http/);
    }
  });

  it("refuse non-canonical base64url spellings and oversized input without work", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await sign({ kind: "open", campaignId: "c", contact: "a@b.co" }, ring);
    expect((await verifyToken(`${token}=`, ring)).ok).toBe(false);
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
});

describe("version 1", () => {
  it("tokens minted before version 2 existed still verify", async () => {
    expect(await verifyToken(V1_CLICK_FROM_BEFORE, await keyRing(env.TRACKING_KEYS))).toEqual({ ok: true, payload: click, keyId: 2, version: 1 });
  });

  it("refuses a correctly signed token whose destination is not http(s)", async () => {
    const url = utf8.encode("javascript:alert(document.domain)");
    const body = Uint8Array.from([1, 2, 2, 1, 0x63, 1, 0x61, 0, 0, 0, 0, url.length, ...url]);
    expect(await verifyToken(await signRawV1(body), await keyRing(env.TRACKING_KEYS))).toEqual({ ok: false, reason: "bad_destination" });
  });
});

describe("version 2", () => {
  it("is what new links are minted as, and its format is pinned", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    expect(TOKEN_VERSION).toBe(2);
    expect(await signToken(click, ring)).toBe(V2_CLICK);
    expect(await verifyToken(V2_CLICK, ring)).toEqual({ ok: true, payload: click, keyId: 2, version: 2 });
  });

  it("reveals nothing of the payload: no field appears in the token, as text or as bytes", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const token = await signToken(click, ring);
    const bytes = decodeBase64Url(token)!;
    const asText = new TextDecoder("latin1").decode(bytes);
    for (const field of [click.contact, click.contact.toLowerCase(), "Ann.Lee", "Example.com", click.campaignId, "shop.example", "utm_source"]) {
      expect(asText, field).not.toContain(field);
      // Nor its base64url at any of the three alignments.
      for (let shift = 0; shift < 3; shift++) {
        const encoded = encodeBase64Url(utf8.encode("xx".slice(0, shift) + field)).slice(shift === 0 ? 0 : shift + 1, -2);
        expect(token, `${field} base64url shift ${shift}`).not.toContain(encoded);
      }
    }
    // The version-1 token of the same link spells the address out (the reason for version 2).
    expect(new TextDecoder("latin1").decode(decodeBase64Url(await signToken(click, ring, 1))!)).toContain(click.contact);
  });

  it("gives links that differ in one field unrelated IVs and ciphertexts", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const a = decodeBase64Url(await signToken(click, ring))!;
    const b = decodeBase64Url(await signToken({ ...click, contact: "Ann.Lef@Example.com" }, ring))!;
    expect(a.length).toBe(b.length);
    const same = a.slice(2).filter((byte, i) => byte === b[i + 2]).length;
    // About one byte in 256 matches by chance; a shared IV would make most of the ciphertext match.
    expect(same).toBeLessThan(8);
  });

  it("refuses an authentic token whose destination is not http(s) or whose plaintext has a second spelling", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const url = (text: string) => [...utf8.encode(text)];
    // A valid click: https flag, link index 5, "x.example/".
    expect(await verifyToken(await sealRawV2(v2Plain(0x02 | 0x04, 5, ...url("x.example/"))), ring)).toMatchObject({
      ok: true,
      payload: { kind: "click", url: "https://x.example/", linkIndex: 5 },
    });
    const refused: Array<[string, Uint8Array<ArrayBuffer>, string]> = [
      ["not a URL after the scheme", v2Plain(0x02 | 0x04, 0, ...url("@evil")), "bad_destination"],
      ["un-normalised destination", v2Plain(0x02 | 0x04, 0, ...url("X.EXAMPLE/")), "bad_destination"],
      ["empty destination", v2Plain(0x02 | 0x04, 0), "malformed"],
      ["a flag on an open", v2Plain(0x01 | 0x04), "malformed"],
      ["an unknown bit", v2Plain(0x02 | 0x10, 0, ...url("x.example/")), "malformed"],
      ["a two-byte index under 256", v2Plain(0x02 | 0x04 | 0x08, 0, 5, ...url("x.example/")), "malformed"],
      ["kind 0", v2Plain(0x00), "malformed"],
      ["trailing bytes after an open", v2Plain(0x01, 0), "malformed"],
      ["empty campaign", Uint8Array.from([0x01, 0, 1, 0x61, 0]), "malformed"],
      ["invalid UTF-8", Uint8Array.from([0x01, 1, 0xff, 1, 0x61, 0]), "malformed"],
    ];
    for (const [name, plaintext, reason] of refused) {
      expect(await verifyToken(await sealRawV2(plaintext), ring), name).toEqual({ ok: false, reason });
    }
  });

  it("refuses an unknown version byte, even under a valid tag", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const bytes = decodeBase64Url(await signToken(click, ring))!;
    for (const v of [0, 3, 255]) {
      bytes[0] = v;
      expect(await verifyToken(encodeBase64Url(bytes), ring)).toEqual({ ok: false, reason: "unknown_version" });
    }
  });
});

describe("normalizeDestination", () => {
  /** The rule, stated again: the parsed form of an absolute http(s) URL, nothing for anything else. */
  function reference(url: string): string | null {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  it("answers each input by the rule, in any order of calls, repeats and its own answers included (seeded)", () => {
    const input = fc.oneof(
      fc.webUrl({ withQueryParameters: true }),
      fc.constantFrom("HTTPS://A.EXAMPLE", "https://a.example/", 'http://a.example/ä?q="x"', "javascript:alert(1)", "/relative", "", "https://"),
    );
    fc.assert(
      fc.property(fc.array(input, { maxLength: 12 }), (inputs) => {
        for (const url of inputs) {
          const answer = normalizeDestination(url);
          expect(answer).toBe(reference(url));
          // As instrumentation calls it: its answer straight back in.
          if (answer !== null) expect(normalizeDestination(answer)).toBe(reference(answer));
          expect(normalizeDestination(url)).toBe(answer);
        }
      }),
      { seed: 3986, numRuns: 500 },
    );
  });
});

describe("token length", () => {
  it("a version-2 click URL for a 60-character destination is under 1.3× the version-1 one", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const origin = "https://track.example.com/c/";
    const ratios: number[] = [];
    for (let i = 0; i < 25; i++) {
      const url = `https://www.example-shop.com/products/item-${String(i).padStart(4, "0")}?utm_src=news`;
      expect(url).toHaveLength(60);
      const payload: TokenPayload = { kind: "click", campaignId: "spring-sale-2026", contact: `reader.${i}@example.com`, url, linkIndex: i % 12 };
      ratios.push((origin + (await signToken(payload, ring))).length / (origin + (await signToken(payload, ring, 1))).length);
    }
    expect(Math.max(...ratios)).toBeLessThan(1.3);
  });

  it("rejects malformed key configuration with a clear message", () => {
    expect(() => parseKeySpec("")).toThrow(/TRACKING_KEYS is not set/);
    expect(() => parseKeySpec(`0:${"A".repeat(43)}`)).toThrow(/id 1-255/);
    expect(() => parseKeySpec("1:short")).toThrow(/at least 32 bytes/);
    expect(() => parseKeySpec(`${TEST_KEY_1},${TEST_KEY_1}`)).toThrow(/twice/);
  });
});
