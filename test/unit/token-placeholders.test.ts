// Minting a document's tokens together (HTML instrumentation): the same tokens signToken mints, one at a time, and
// a placeholder for each that is filled exactly once or not at all.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keyRing } from "../../src/config/tracking-keys";
import { finishToken, recipientTokens, signToken, TokenError, type TokenKind, type TokenPayload } from "../../src/tracking/token";
import { TokenPlaceholders } from "../../src/tracking/token-placeholders";

type Outcome = { token: string } | { error: string };

async function outcome(mint: () => Promise<string>): Promise<Outcome> {
  try {
    return { token: await mint() };
  } catch (err) {
    if (err instanceof TokenError) return { error: err.message };
    throw err;
  }
}

/** Mostly fields that fit (up to 200 UTF-8 bytes), sometimes one a byte too long. */
const text = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 50 }), weight: 4 },
  { arbitrary: fc.constant("é".repeat(128)), weight: 1 },
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "HTTP://Ex.AMPLE/ä?q=1&r=2#f",
    "http://[::1]:8080/",
    `https://x.example/${"y".repeat(4100)}`,
    "javascript:alert(1)",
    "mailto:a@b.co",
  ),
);
const linkIndex = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -3, max: 0x10003 }), fc.constant(1.5));

describe("recipientTokens", () => {
  it("mints what signToken mints for the same payload, and refuses what it refuses with the same error (seeded)", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ campaignId: text, contact: text, messageId: fc.option(text, { nil: undefined }) }),
        fc.constantFrom<TokenKind>("open", "click", "unsubscribe"),
        fc.record({ url, linkIndex: fc.option(linkIndex, { nil: undefined }) }),
        async (fields, kind, click) => {
          const payload: TokenPayload = kind === "click" ? { kind, ...fields, ...click } : { kind, ...fields };
          const together = await outcome(() => finishToken(recipientTokens(fields, ring)(kind, click), ring));
          expect(together).toEqual(await outcome(() => signToken(payload, ring)));
        },
      ),
      { seed: 1616, numRuns: 400 },
    );
  });
});

describe("TokenPlaceholders", () => {
  const fields = { campaignId: "nl-42", contact: "Zoë@example.com", messageId: "m-1" };

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("puts in each placeholder's place exactly the token signToken mints", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const tokens = new TokenPlaceholders(ring, fields, ["<p>hi</p>"]);
    const clicks = [0, 1, 300].map((i) => ({ url: `https://shop.example/${i}`, linkIndex: i }));
    const open = tokens.add("open");
    const placeholders = clicks.map((click) => tokens.add("click", click));
    expect(placeholders[0]).toMatch(/^[0-9a-f]{32}1-$/);
    const filled = await tokens.fill(`<img src="/o/${open}.gif">${placeholders.map((p) => `<a href="/c/${p}">`).join("")}`);
    const minted = await Promise.all(clicks.map((click) => signToken({ kind: "click", ...fields, ...click }, ring)));
    expect(filled).toBe(
      `<img src="/o/${await signToken({ kind: "open", ...fields }, ring)}.gif">${minted.map((t) => `<a href="/c/${t}">`).join("")}`,
    );
  });

  it("refuses to hand out a text in which a placeholder is missing or repeated", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const tokens = new TokenPlaceholders(ring, fields, [""]);
    const [a, b] = [tokens.add("open"), tokens.add("unsubscribe")];
    await expect(tokens.fill(`${a} and ${b}`)).resolves.not.toContain(a);
    await expect(tokens.fill(`${a} only`)).rejects.toThrow(/placeholder/);
    await expect(tokens.fill(`${a} ${a} ${b}`)).rejects.toThrow(/placeholder/);
  });

  it("never takes a nonce that occurs in the document it will be written into", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const zeros = "0".repeat(32);
    // The first draw is all zero bytes, the nonce "000…0".
    vi.spyOn(crypto, "getRandomValues").mockImplementationOnce((array) => array);
    expect(new TokenPlaceholders(ring, fields, ["<p>no zeros</p>"]).add("open").startsWith(zeros)).toBe(true);
    vi.spyOn(crypto, "getRandomValues").mockImplementationOnce((array) => array);
    const placeholder = new TokenPlaceholders(ring, fields, [`<p>${zeros}</p>`]).add("open");
    expect(placeholder.startsWith(zeros)).toBe(false);
    expect(placeholder).toMatch(/^[0-9a-f]{32}0-$/);
  });

  it("refuses a payload that cannot be a token when it is added, before any rewriting is done", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const tokens = new TokenPlaceholders(ring, fields, [""]);
    expect(() => tokens.add("click", { url: "javascript:alert(1)", linkIndex: 0 })).toThrow(TokenError);
    expect(() => tokens.add("click", { url: "https://x.example/", linkIndex: 0x10000 })).toThrow(TokenError);
    const tooLong = new TokenPlaceholders(ring, { ...fields, campaignId: "c".repeat(256) }, [""]);
    expect(() => tooLong.add("open")).toThrow(/campaignId is longer than 255 bytes/);
    expect(() => tooLong.add("click", { url: "https://x.example/", linkIndex: 0 })).toThrow(/campaignId/);
  });
});
