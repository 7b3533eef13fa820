// Human-or-machine classification (issue 14): agreement on the labelled set against both baselines, each rule with
// its hard cases, timing never deciding, and the network lists: Apple's CSV parsed and compacted, stored and read back.
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { isbot } from "isbot";
import { afterEach, describe, expect, it } from "vitest";
import { compactAppleEgressCsv, parseAppleEgressCsv } from "../../src/machine/apple-relay";
import { classifyInteraction, createClassifier, REASONS, type InteractionFacts, type ReasonCode } from "../../src/machine/classify";
import {
  bundledNetworkLists,
  decodeNetworkLists,
  encodeNetworkLists,
  NetworkListsFormatError,
  setNetworkLists,
  type NetworkLists,
} from "../../src/machine/networks";
import { APPLE_RELAY_SAMPLE } from "../../src/machine/lists/apple-relay-sample";
import { GATEWAY_CIDRS, SCANNER_CIDRS } from "../../src/machine/lists/mail-filters";
import { compactRanges, parseCidr, parseIp, rangeCounts, rangeSetHas } from "../../src/machine/ranges";
import appleExcerpt from "../fixtures/machine/apple-egress-excerpt.csv?raw";
import labelledJson from "../fixtures/machine/labelled.json";
import { agreement, isbotAlone, isbotTimingHeadEmpty, type IsMachine, type LabelledSet } from "../support/machine-agreement";

const labelled = labelledJson as unknown as LabelledSet;
const ours: IsMachine = (f) => classifyInteraction(f).machine;

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const APPLE_MAIL = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
const IOS_MAIL = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const SAFARI_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const GOOGLE_IMAGE_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const GMAIL_PREFETCH =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0";
const YAHOO = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html";
const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

function open(over: Partial<InteractionFacts> = {}): InteractionFacts {
  return {
    kind: "open",
    method: "GET",
    userAgent: CHROME,
    ip: "203.0.113.7",
    asn: 7922,
    accept: "image/avif,image/webp,*/*",
    secondsSinceSend: 600,
    link: null,
    distinctLinksSameSource10s: null,
    honeypotSameSource10s: null,
    ...over,
  };
}

function click(over: Partial<InteractionFacts> = {}): InteractionFacts {
  return open({ kind: "click", accept: HTML, link: "0", distinctLinksSameSource10s: 1, honeypotSameSource10s: false, ...over });
}

describe("agreement on the labelled set", () => {
  const cases = labelled.cases;

  it("holds at least 150 well-formed cases, balanced between humans and machines", () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const humans = cases.filter((c) => c.label === "human").length;
    expect(humans / cases.length).toBeGreaterThan(0.4);
    expect(humans / cases.length).toBeLessThan(0.6);
    const keys = Object.keys(open()).sort();
    for (const c of cases) {
      expect(Object.keys(c.facts).sort(), c.id).toEqual(keys);
      expect(["human", "machine"], c.id).toContain(c.label);
      expect(
        Object.values(REASONS).some((r) => r.family === c.family),
        c.id,
      ).toBe(true);
      expect(c.source.length, c.id).toBeGreaterThan(0);
    }
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it("agrees on at least 95% overall and calls at most 3% of humans machines", () => {
    const a = agreement(cases, ours);
    expect(a.overall.rate).toBeGreaterThanOrEqual(0.95);
    expect(a.humansCalledMachine).toBeLessThanOrEqual(0.03);
  });

  it("gives the reason family the case belongs to, in at least 95% of cases", () => {
    const same = cases.filter((c) => REASONS[classifyInteraction(c.facts).reason as ReasonCode].family === c.family);
    expect(same.length / cases.length).toBeGreaterThanOrEqual(0.95);
  });

  it("beats isbot alone, and isbot with the 10 s rule, HEAD and empty agent, on the same set", () => {
    const mine = agreement(cases, ours);
    for (const baseline of [isbotAlone, isbotTimingHeadEmpty]) {
      const theirs = agreement(cases, baseline);
      expect(mine.overall.rate).toBeGreaterThan(theirs.overall.rate);
      expect(mine.humansCalledMachine).toBeLessThanOrEqual(theirs.humansCalledMachine);
    }
  });
});

describe("rules", () => {
  // One request per reason code: each must come out with exactly that reason (and so that verdict).
  const examples: [ReasonCode, InteractionFacts][] = [
    ["head_request", click({ method: "HEAD", ip: "40.92.30.12" })],
    ["unusual_method", open({ method: "OPTIONS" })],
    ["empty_agent", click({ userAgent: null })],
    ["honeypot", click({ link: "honeypot" })],
    ["honeypot_window", click({ honeypotSameSource10s: true })],
    ["scanner_network", click({ ip: "104.47.11.21", asn: 8075 })],
    ["gateway_network", open({ ip: "148.163.150.20", asn: 26211 })],
    ["burst", click({ distinctLinksSameSource10s: 3 })],
    ["gmail_prefetch", open({ userAgent: GMAIL_PREFETCH, ip: "66.249.88.14", asn: 15169 })],
    ["mpp_proxy", open({ userAgent: "Mozilla/5.0", ip: "172.224.226.7", asn: 36183 })],
    ["bare_agent", open({ userAgent: "Mozilla/5.0" })],
    ["proxied_human", open({ userAgent: GOOGLE_IMAGE_PROXY, ip: "66.249.93.84", asn: 15169 })],
    ["yahoo_proxy_open", open({ userAgent: YAHOO, ip: "98.136.150.12", asn: 36647 })],
    ["scanner_agent", click({ userAgent: "Barracuda Sentinel (EE)", accept: "*/*" })],
    ["library_agent", click({ userAgent: "python-requests/2.32.3", accept: "*/*" })],
    ["bot_agent", click({ userAgent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)" })],
    ["paired_non_navigation", click({ distinctLinksSameSource10s: 2, accept: "*/*" })],
    ["gateway_isolation", click({ ip: "198.51.100.172", asn: 22843 })],
    ["private_relay_browser", click({ userAgent: SAFARI_IOS, ip: "172.224.237.17", asn: 36183 })],
    ["human", click()],
  ];

  it.each(examples)("%s", (reason, facts) => {
    expect(classifyInteraction(facts)).toEqual({ machine: REASONS[reason].machine, reason });
  });

  it("covers every reason code", () => {
    expect(new Set(examples.map(([r]) => r))).toEqual(new Set(Object.keys(REASONS)));
  });

  it("counts GoogleImageProxy opens as people, even seconds after send, though isbot flags the agent", () => {
    expect(isbot(GOOGLE_IMAGE_PROXY)).toBe(true);
    for (const secondsSinceSend of [0, 1, 3, 9, null]) {
      expect(classifyInteraction(open({ userAgent: GOOGLE_IMAGE_PROXY, ip: "66.249.93.73", secondsSinceSend }))).toEqual({
        machine: false,
        reason: "proxied_human",
      });
    }
    // A link is never followed through an image proxy by a person.
    expect(classifyInteraction(click({ userAgent: GOOGLE_IMAGE_PROXY })).machine).toBe(true);
  });

  it("decides MPP by the network: Apple Mail's own agent is a person off the relay and MPP on it", () => {
    for (const ua of [APPLE_MAIL, IOS_MAIL]) {
      expect(classifyInteraction(open({ userAgent: ua, ip: "203.0.113.14", asn: 7922, secondsSinceSend: 2 }))).toEqual({
        machine: false,
        reason: "human",
      });
      for (const [ip, asn] of [
        ["172.224.227.70", 36183],
        ["2a04:4e41:0016:0116::1f", 54113], // leading zeros, as Apple writes some rows
        ["2a09:bac2:b089:100::3", 13335],
        ["::ffff:146.75.136.9", 54113],
      ] as const) {
        expect(classifyInteraction(open({ userAgent: ua, ip, asn })), ip).toEqual({ machine: true, reason: "mpp_proxy" });
      }
      // The relay with an address the bundled sample lacks: the Akamai and Fastly relay ASNs still tell.
      expect(classifyInteraction(open({ userAgent: ua, ip: "172.224.230.5", asn: 36183 })).reason).toBe("mpp_proxy");
      // A Mac on Cloudflare WARP is in AS13335 without being the relay.
      expect(classifyInteraction(open({ userAgent: ua, ip: "192.0.2.44", asn: 13335 })).machine).toBe(false);
    }
    // The relay carries Safari browsing too: a full Safari agent there is a person, and MPP never clicks.
    expect(classifyInteraction(open({ userAgent: SAFARI_IOS, ip: "172.224.226.21", asn: 36183 }))).toEqual({
      machine: false,
      reason: "private_relay_browser",
    });
    expect(classifyInteraction(click({ userAgent: IOS_MAIL, ip: "172.224.226.21", asn: 36183 })).machine).toBe(false);
  });

  it("catches scanners with current browser agents by network, honeypot or burst, never by their agent", () => {
    for (const ip of ["40.92.18.77", "2a01:111:f400:7e1a::19", "::ffff:40.107.22.91", "209.222.82.145", "40.64.64.90"]) {
      expect(classifyInteraction(click({ ip })), ip).toEqual({ machine: true, reason: "scanner_network" });
      expect(classifyInteraction(open({ ip })).reason, ip).toBe("scanner_network");
    }
    expect(classifyInteraction(click({ ip: "40.93.255.255" })).reason).toBe("scanner_network"); // the end of 40.92.0.0/15
    expect(classifyInteraction(click({ ip: "40.94.0.0" })).machine).toBe(false); // just past it
    expect(classifyInteraction(click({ distinctLinksSameSource10s: 5, secondsSinceSend: 3700 })).reason).toBe("burst");
    // Two tabs opened by a person are navigations; the same pair without text/html is not a browser.
    expect(classifyInteraction(click({ distinctLinksSameSource10s: 2 })).machine).toBe(false);
    expect(classifyInteraction(click({ distinctLinksSameSource10s: 2, accept: null })).reason).toBe("paired_non_navigation");
    // The burst count belongs to clicks; an open carrying one is judged without it.
    expect(classifyInteraction(open({ distinctLinksSameSource10s: 9 })).machine).toBe(false);
  });

  it("treats gateway ranges as machines but a gateway ASN's browser navigation as a person behind isolation", () => {
    expect(classifyInteraction(click({ ip: "148.163.151.3", asn: 26211, secondsSinceSend: 7200 })).reason).toBe("gateway_network");
    expect(classifyInteraction(click({ ip: "192.0.2.1", asn: 30031 })).reason).toBe("gateway_isolation");
    expect(classifyInteraction(click({ ip: "192.0.2.1", asn: 30031, accept: "*/*" })).reason).toBe("gateway_network");
    expect(classifyInteraction(open({ ip: "192.0.2.1", asn: 16417 })).reason).toBe("gateway_network");
    // Microsoft's and Google's whole networks are not applied: people browse from Azure and Google Cloud.
    expect(classifyInteraction(click({ asn: 8075 })).machine).toBe(false);
    expect(classifyInteraction(click({ asn: 15169 })).machine).toBe(false);
  });

  it("reads agents the way mail needs: Yahoo's proxy, the Gmail sampler, libraries, empty and '-' agents", () => {
    expect(classifyInteraction(click({ userAgent: YAHOO })).reason).toBe("scanner_agent");
    const sampling = GMAIL_PREFETCH.replace(/Mozilla\/5\.0$/, "Gmail-content-sampling");
    expect(classifyInteraction(click({ userAgent: sampling })).reason).toBe("scanner_agent");
    for (const ua of ["Go-http-client/1.1", "curl/8.5.0", "okhttp/4.12.0", "Apache-HttpClient/4.5.14 (Java/17.0.9)"]) {
      expect(classifyInteraction(click({ userAgent: ua })).reason, ua).toBe("library_agent");
    }
    for (const ua of [null, "", "   ", "-"]) expect(classifyInteraction(open({ userAgent: ua })).reason).toBe("empty_agent");
    expect(classifyInteraction(click({ method: "get" })).machine).toBe(false);
    expect(classifyInteraction(click({ method: "head" })).reason).toBe("head_request");
  });

  it("judges a request whose address is missing or not an address by everything else", () => {
    for (const ip of [null, "", "not-an-ip", "300.1.2.3", "2001:db8::zz"]) {
      expect(classifyInteraction(click({ ip })), String(ip)).toEqual({ machine: false, reason: "human" });
      expect(classifyInteraction(open({ ip, userAgent: "Mozilla/5.0" })).reason).toBe("bare_agent");
    }
  });
});

describe("timing alone never makes a machine", () => {
  const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
  const cases = labelled.cases;
  const facts: fc.Arbitrary<InteractionFacts> = fc.record({
    kind: pick(["open", "click"] as const),
    method: pick(["GET", "get", "HEAD", "POST"]),
    userAgent: fc.oneof(pick(cases.map((c) => c.facts.userAgent)), fc.string({ maxLength: 40 }), fc.constant(null)),
    ip: fc.oneof(pick(cases.map((c) => c.facts.ip)), fc.ipV4(), fc.ipV6(), fc.constant(null)),
    asn: fc.oneof(pick(cases.map((c) => c.facts.asn)), fc.integer({ min: 1, max: 400000 })),
    accept: pick(cases.map((c) => c.facts.accept)),
    secondsSinceSend: fc.constant(null),
    link: pick([null, "0", "3", "honeypot", "unsubscribe"]),
    distinctLinksSameSource10s: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 6 })),
    honeypotSameSource10s: fc.oneof(fc.constant(null), fc.boolean()),
  });
  const seconds = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 10_000_000 }), fc.double({ min: 0, max: 20, noNaN: true }));
  const timingNeverFlipsAHuman = (isMachine: IsMachine) =>
    fc.property(facts, seconds, seconds, (f, s1, s2) => {
      if (isMachine({ ...f, secondsSinceSend: s1 })) return true;
      return !isMachine({ ...f, secondsSinceSend: s2 });
    });

  it("holds for any facts and any two send delays", () => {
    fc.assert(timingNeverFlipsAHuman(ours), { seed: 1414, numRuns: 3000 });
  });

  it("holds for every labelled human at any delay", () => {
    const humans = cases.filter((c) => !ours(c.facts));
    fc.assert(
      fc.property(pick(humans), seconds, (c, s) => !ours({ ...c.facts, secondsSinceSend: s })),
      { seed: 1415, numRuns: 1000 },
    );
  });

  it("is a property the timing baseline fails (the check can fail)", () => {
    const run = fc.check(timingNeverFlipsAHuman(isbotTimingHeadEmpty), { seed: 1414, numRuns: 3000 });
    expect(run.failed).toBe(true);
  });
});

describe("Apple's egress CSV", () => {
  const lines = appleExcerpt.split("\n").filter((l) => l.trim() !== "");
  const cidrs = lines.map((l) => l.split(",")[0]!);

  it("parses every row of the recorded excerpt, v4 and v6, leading zeros included", () => {
    const parsed = parseAppleEgressCsv(appleExcerpt);
    expect(parsed.rows).toBe(lines.length);
    expect(parsed.accepted).toBe(lines.length);
    expect(parsed.rejected).toBe(0);
    expect(parsed.ranges.filter((r) => r.family === 6).length).toBe(cidrs.filter((c) => c.includes(":")).length);
    expect(parseCidr("2a04:4e41:0016:00f6::/64")).toEqual(parseCidr("2a04:4e41:16:f6::/64"));
  });

  it("skips and counts rows that are not plausible egress prefixes, whatever the line endings", () => {
    const bad = [
      "cidr,country,region,city,",
      "10.0.0.0/8,US,US-CA,San Francisco,",
      "0.0.0.0/0,US,,,",
      "2a02::/8,DE,,,",
      "172.224.226.0/27,,GB-EN,London,",
      "172.224.226.0/33,GB,GB-EN,London,",
      "not a row at all",
    ];
    const text = [...bad, ...lines].join("\r\n");
    const parsed = parseAppleEgressCsv(text);
    expect(parsed.rejected).toBe(bad.length);
    expect(parsed.accepted).toBe(lines.length);
    expect(parsed.rejectedSamples).toEqual(bad);
    expect(compactAppleEgressCsv(text).set).toEqual(compactAppleEgressCsv(appleExcerpt).set);
  });

  it("compacts to fewer merged ranges with exact edges", () => {
    const { set, parse } = compactAppleEgressCsv(appleExcerpt);
    const counts = rangeCounts(set);
    expect(counts.v4 + counts.v6).toBeLessThan(parse.accepted / 3);
    const has = (ip: string) => rangeSetHas(set, parseIp(ip)!);
    // 172.224.224.0/27 and the /31s after it are contiguous up to .83; .84–.87 are not in the file.
    expect([has("172.224.224.0"), has("172.224.224.83"), has("172.224.224.84"), has("172.224.224.87")]).toEqual([true, true, false, false]);
    expect([has("172.224.224.88"), has("172.224.224.95"), has("172.224.224.96")]).toEqual([true, true, false]);
    // Forty consecutive /64s from …:a69c to …:a6c3 make one range.
    expect(has("2a02:26f7:b385:a69b:ffff:ffff:ffff:ffff")).toBe(false);
    expect(has("2a02:26f7:b385:a69c::")).toBe(true);
    expect(has("2a02:26f7:b385:a6b0:1:2:3:4")).toBe(true);
    expect(has("2a02:26f7:b385:a6c3:ffff:ffff:ffff:ffff")).toBe(true);
    expect(has("2a02:26f7:b385:a6c4::")).toBe(false);
  });

  it("answers every lookup as a scan of the rows with ipaddr.js would", () => {
    const { set } = compactAppleEgressCsv(appleExcerpt);
    const rows = cidrs.map((c) => ipaddr.parseCIDR(c));
    // Addresses at and around the rows' networks, so both hits and near misses are drawn.
    const near = fc
      .tuple(fc.integer({ min: 0, max: rows.length - 1 }), fc.integer({ min: -300, max: 300 }), fc.integer({ min: 0, max: 0xffff }))
      .map(([i, delta, low]) => {
        const [address] = rows[i]!;
        if (address.kind() === "ipv4") {
          const bytes = address.toByteArray();
          const n = (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) + delta;
          return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
        }
        const parts = [...(address as ipaddr.IPv6).parts];
        parts[3] = (parts[3]! + delta + 0x10000) & 0xffff;
        parts[7] = low;
        return parts.map((p) => p.toString(16)).join(":");
      });
    fc.assert(
      fc.property(near, (ip) => {
        const address = ipaddr.parse(ip);
        const scan = rows.some(([net, bits]) => net.kind() === address.kind() && address.match(net, bits));
        return rangeSetHas(set, parseIp(ip)!) === scan;
      }),
      { seed: 1416, numRuns: 1500 },
    );
  });
});

describe("network lists", () => {
  afterEach(() => setNetworkLists(bundledNetworkLists()));

  const fromExcerpt = (): NetworkLists => ({ ...bundledNetworkLists(), relay: compactAppleEgressCsv(appleExcerpt).set });
  // An MPP-shaped open from a relay address that is in the excerpt but not in the bundled sample (Burkina Faso row).
  const mpp = open({ userAgent: IOS_MAIL, ip: "172.224.230.5", asn: null });

  it("uses injected lists: a refreshed relay list turns an unknown address into MPP", () => {
    expect(createClassifier(bundledNetworkLists())(mpp)).toEqual({ machine: false, reason: "human" });
    expect(createClassifier(fromExcerpt())(mpp)).toEqual({ machine: true, reason: "mpp_proxy" });
    expect(classifyInteraction(mpp).machine).toBe(false);
    setNetworkLists(fromExcerpt());
    expect(classifyInteraction(mpp)).toEqual({ machine: true, reason: "mpp_proxy" });
  });

  it("round-trips through the storage encoding with every verdict unchanged", () => {
    const lists = fromExcerpt();
    const decoded = decodeNetworkLists(encodeNetworkLists(lists));
    expect(decoded).toEqual(lists);
    const before = createClassifier(lists);
    const after = createClassifier(decoded);
    for (const c of [...labelled.cases.map((x) => x.facts), mpp]) expect(after(c)).toEqual(before(c));
    // The blob as storage hands it back: an ArrayBuffer at offset 0, or a view into a larger buffer.
    const bytes = encodeNetworkLists(lists);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    expect(decodeNetworkLists(padded.subarray(8, 8 + bytes.length))).toEqual(lists);
    expect(decodeNetworkLists(bytes.slice().buffer)).toEqual(lists);
  });

  it("refuses a corrupt blob whole, so the last good lists stay in force", () => {
    const good = encodeNetworkLists(fromExcerpt());
    const corrupt = (edit: (b: Uint8Array) => Uint8Array) => () => decodeNetworkLists(edit(good.slice()));
    expect(corrupt((b) => b.subarray(0, b.length - 4))).toThrow(NetworkListsFormatError);
    expect(corrupt((b) => b.subarray(0, b.length - 1))).toThrow(NetworkListsFormatError);
    expect(corrupt((b) => Uint8Array.of(...b, 0, 0, 0, 0))).toThrow(NetworkListsFormatError);
    expect(corrupt((b) => ((b[0] = 0x58), b))).toThrow(NetworkListsFormatError);
    expect(corrupt((b) => ((b[4] = 9), b))).toThrow(NetworkListsFormatError);
    expect(corrupt((b) => b.subarray(0, 3))).toThrow(NetworkListsFormatError);
    // Swap the first two IPv4 ranges of the relay set: no longer sorted.
    expect(
      corrupt((b) => {
        const first = b.slice(16, 24);
        b.copyWithin(16, 24, 32);
        b.set(first, 24);
        return b;
      }),
    ).toThrow(NetworkListsFormatError);
  });

  it("holds every bundled prefix from its first to its last address, and nothing next to them", () => {
    const lists = bundledNetworkLists();
    for (const [set, cidrs] of [
      [lists.relay, APPLE_RELAY_SAMPLE],
      [lists.scanner, SCANNER_CIDRS],
      [lists.gateway, GATEWAY_CIDRS],
    ] as const) {
      for (const cidr of cidrs) {
        const v6 = cidr.includes(":");
        const first = (v6 ? ipaddr.IPv6 : ipaddr.IPv4).networkAddressFromCIDR(cidr).toString();
        const last = (v6 ? ipaddr.IPv6 : ipaddr.IPv4).broadcastAddressFromCIDR(cidr).toString();
        expect(rangeSetHas(set, parseIp(first)!), first).toBe(true);
        expect(rangeSetHas(set, parseIp(last)!), last).toBe(true);
      }
    }
    // Between EOP's 2a01:111:f400::/48 and 2a01:111:f403::/48 lie two /48s that are not Microsoft's filtering.
    expect(rangeSetHas(lists.scanner, parseIp("2a01:111:f401::1")!)).toBe(false);
    expect(rangeCounts(lists.scanner).v6).toBe(2);
  });

  it("merges overlapping and adjacent CIDRs and keeps the widest", () => {
    const set = compactRanges(["10.0.0.0/25", "10.0.0.128/25", "10.0.0.64/26", "10.0.2.0/24"].map((c) => parseCidr(c)!));
    expect(set.v4).toEqual(Uint32Array.of(0x0a000000, 0x0a0000ff, 0x0a000200, 0x0a0002ff));
  });
});
