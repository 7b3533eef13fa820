// base64url without padding: the runtime's own encoder (when it has one) spells every byte string exactly as the
// portable one did, so no token, id or cursor changes its text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../../src/lib/base64url";

/** RFC 4648 base64 through btoa, made URL-safe and unpadded: an independent statement of the format. */
function reference(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

describe("encodeBase64Url", () => {
  it("gives RFC 4648's test vectors, URL-safe, without padding", () => {
    const utf8 = new TextEncoder();
    const vectors = { "": "", f: "Zg", fo: "Zm8", foo: "Zm9v", foob: "Zm9vYg", fooba: "Zm9vYmE", foobar: "Zm9vYmFy" };
    for (const [input, output] of Object.entries(vectors)) expect(encodeBase64Url(utf8.encode(input))).toBe(output);
    expect(encodeBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe("-_-_");
  });

  it("spells any bytes, from any view of a buffer, as the reference does, and decodes back (seeded)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), (bytes, offset) => {
        // A view that does not start at its buffer's start, as the token code hands over.
        const view = new Uint8Array(bytes.length + offset).subarray(offset);
        view.set(bytes);
        expect(encodeBase64Url(view)).toBe(reference(bytes));
        expect(decodeBase64Url(encodeBase64Url(view))).toEqual(bytes);
      }),
      { seed: 4648, numRuns: 2000 },
    );
  });
});
