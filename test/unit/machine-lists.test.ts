// Network lists for the refresh (issue 14): ranges merged in typed arrays answer exactly as the CIDRs they came from,
// and Apple's file compacts the same streamed in pieces (lines split anywhere) as read whole.
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { compactAppleEgressCsv, compactAppleEgressStream } from "../../src/machine/apple-relay";
import { compactRanges, parseCidr, parseIp, rangeSetHas } from "../../src/machine/ranges";
import appleExcerpt from "../fixtures/machine/apple-egress-excerpt.csv?raw";

const v4Cidr = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 22, max: 32 }))
  .map(([c, d, p]) => `10.0.${c}.${d * 64}/${p}`);
const v6Cidr = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 60, max: 128 }))
  .map(([a, b, p]) => `2001:db8:0:${a}:${b}::/${p}`);
const v4Address = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([c, d]) => `10.0.${c}.${d}`);
const v6Address = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffff }))
  .map(([a, b, low]) => `2001:db8:0:${a}:${b}::${low.toString(16)}`);

function inAny(cidrs: readonly string[], address: string): boolean {
  const ip = ipaddr.parse(address);
  return cidrs.some((c) => {
    const [net, prefix] = ipaddr.parseCIDR(c);
    return net.kind() === ip.kind() && ip.match(net, prefix);
  });
}

describe("merged ranges", () => {
  it("answer every address as the CIDRs they merge do, overlapping and adjacent ones included", () => {
    const property = fc.property(
      fc.array(fc.oneof(v4Cidr, v6Cidr), { minLength: 1, maxLength: 40 }),
      fc.array(fc.oneof(v4Address, v6Address), { minLength: 1, maxLength: 40 }),
      (cidrs, addresses) => {
        const set = compactRanges(cidrs.map((c) => parseCidr(c)!));
        for (const a of addresses) expect(rangeSetHas(set, parseIp(a)!), `${a} in ${cidrs.join(" ")}`).toBe(inAny(cidrs, a));
        // Merged means disjoint and not touching: one more than an end is never covered by the next range.
        for (let i = 2; i < set.v4.length; i += 2) expect(set.v4[i - 1]! + 1).toBeLessThan(set.v4[i]!);
      },
    );
    fc.assert(property, { seed: 1414, numRuns: 400 });
  });

  it("merges adjacent IPv6 ranges across a word boundary, and the top of the address space", () => {
    const set = compactRanges(
      ["2001:db8:0:0:ffff:ffff::/96", "2001:db8:0:1::/64", "ffff:ffff:ffff:ffff::/64", "ffff:ffff:ffff:ffff:8000::/65"].map((c) => parseCidr(c)!),
    );
    expect(set.v6.length / 8).toBe(2);
    expect(rangeSetHas(set, parseIp("2001:db8:0:1:ffff::1")!)).toBe(true);
    expect(rangeSetHas(set, parseIp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!)).toBe(true);
  });
});

describe("Apple's file, streamed", () => {
  it("compacts the same whatever the pieces the body arrives in", async () => {
    const whole = compactAppleEgressCsv(appleExcerpt);
    const bytes = new TextEncoder().encode(appleExcerpt.replace(/\n/g, "\r\n"));
    for (const size of [1, 7, 100, 4096]) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.subarray(at, at + size));
          controller.close();
        },
      });
      const streamed = await compactAppleEgressStream(body);
      expect(streamed.set).toEqual(whole.set);
      expect(streamed.parse).toEqual(whole.parse);
    }
    expect(whole.parse.rejected).toBe(0);
  });
});
