// The identity rule (src/domain/identity.ts): one key per person whatever the letter case, and free text searched
// by its address tokens compared for equality, never by substring; neighbours are other people.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressTokens, identityKey, names, REDACTED, redact, redactAll } from "../../src/domain/identity";

const ann = identityKey("ann@example.com");
const NEIGHBOURS = [
  "joann@example.com",
  "ann@example.com.evil.test",
  "ann+x@example.com",
  "ann@example.co",
  "ann@sub.example.com",
  "x.ann@example.com",
];

describe("identityKey", () => {
  it("is one key for every spelling of an address, another for each neighbour", () => {
    for (const same of ["ann@example.com", "Ann@Example.com", " ANN@EXAMPLE.COM ", "aNn@example.COM"]) expect(identityKey(same)).toBe(ann);
    for (const other of NEIGHBOURS) expect(identityKey(other)).not.toBe(ann);
  });

  it("lower-cases ASCII letters of the local part as SQLite's lower() does, and the whole domain", () => {
    expect(identityKey("Erase.Me@Example.COM")).toBe("erase.me@example.com");
    expect(identityKey("Ä.B@BÜCHER.de")).toBe("Ä.b@bücher.de");
  });
});

describe("names and redact", () => {
  it("finds the person in URLs, percent-encoded once or twice, in JSON and in prose, in any case", () => {
    const texts = [
      "https://shop.example.com/p?who=Ann@Example.com",
      "https://shop.example.com/p?who=ann%40example.com&x=1",
      "https://r.example/?u=https%3A%2F%2Fshop.example%2F%3Fwho%3Dann%2540example.com",
      `{"email":"ann@example.com","note":"x"}`,
      "mail to ann@example.com.",
      "https://shop.example.com/u/ann@example.com/orders",
      "<ann@example.com>",
    ];
    for (const t of texts) {
      expect(names(t, ann), t).toBe(true);
      const redacted = redact(t, ann)!;
      expect(redacted, t).toContain(REDACTED);
      expect(names(redacted, ann), redacted).toBe(false);
    }
    expect(redact("https://shop.example.com/p?who=Ann%40Example.com&x=1", ann)).toBe("https://shop.example.com/p?who=[erased]&x=1");
  });

  it("never finds the person in a neighbour's text, and leaves it as it is", () => {
    for (const other of NEIGHBOURS) {
      for (const t of [other, `?who=${other}&x=1`, `{"email":"${other}"}`, encodeURIComponent(other), `${other.toUpperCase()}.`]) {
        expect(names(t, ann), t).toBe(false);
        expect(redact(t, ann)).toBeNull();
      }
    }
    expect(names("no address here, just an @ sign", ann)).toBe(false);
  });

  it("takes the part after a URL delimiter as a candidate too, so a parameter's value is found", () => {
    expect(addressTokens("who=ann@example.com").map((t) => t.key)).toEqual(["who=ann@example.com", "ann@example.com"]);
  });

  it("finds any address embedded in any text, in any case and encoding, and redaction removes exactly it (seeded)", () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    const local = fc.array(word, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("."));
    const domain = fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 2, maxLength: 3 }).map((parts) => parts.join("."));
    const separator = fc.constantFrom(" ", "=", "/", '"', "<", ",", "?who=", "&to=");
    fc.assert(
      fc.property(
        local,
        domain,
        separator,
        separator,
        fc.boolean(),
        fc.boolean(),
        fc.string({ maxLength: 12 }),
        (l, d, before, after, upper, encode, noise) => {
          const address = `${l}@${d}`;
          const key = identityKey(address);
          let spelled = upper ? address.toUpperCase() : address;
          if (encode) spelled = spelled.replace("@", "%40");
          const clean = noise.replace(/[@%]/g, "");
          const text = `${clean}${before}${spelled}${after}${clean}`;
          expect(names(text, key)).toBe(true);
          const redacted = redact(text, key)!;
          expect(redacted).toBe(`${clean}${before}${REDACTED}${after}${clean}`);
          // A neighbour (one more letter on either side of the local part, or a longer domain) is someone else.
          for (const neighbour of [`x${address}`, `${l}x@${d}`, `${address}.evil.test`, `${l}+tag@${d}`]) {
            expect(names(`${before}${neighbour}${after}`, key)).toBe(false);
          }
        },
      ),
      { seed: 2323, numRuns: 500 },
    );
  });
});

describe("redactAll", () => {
  it("replaces every address in a line and nothing else", () => {
    expect(redactAll(`{"msg":"x","error":"Email address is not verified: Ann@Example.com, bob%40x.org"}`)).toBe(
      `{"msg":"x","error":"Email address is not verified: [address], [address]"}`,
    );
    expect(redactAll("nothing here")).toBe("nothing here");
  });
});
