// The daily refresh of the network lists (issue 14): the cron fetches Apple's relay egress file and Microsoft's
// endpoints answer (recorded samples, fetch intercepted: nothing leaves the machine), stores them in D1, and the
// consumer classifies with them; a failing or truncated source keeps the last good copy.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import ipaddr from "ipaddr.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { database } from "../../src/db/client";
import { storedListsBytes, storedListsHead } from "../../src/db/network-lists";
import { envelope } from "../../src/domain/events";
import worker from "../../src/index";
import { bundledNetworkLists, decodeNetworkLists } from "../../src/machine/networks";
import { APPLE_EGRESS_URL, MICROSOFT_ENDPOINTS_URL, NETWORK_LISTS_CRON } from "../../src/cron/network-lists";
import { parseIp, rangeSetHas, type RangeSet } from "../../src/machine/ranges";
import { resetInstalledNetworkLists } from "../../src/machine/stored-lists";
import { EVENTS_QUEUE } from "../../src/config/queues";
import appleExcerpt from "../fixtures/machine/apple-egress-excerpt.csv?raw";
import endpointsJson from "../fixtures/machine/microsoft-endpoints-worldwide.json";
import { eventsFor, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";

const ENDPOINTS = JSON.stringify(endpointsJson);
const rows = appleExcerpt.trim().split("\n");

/** An address inside the first excerpt row that the bundled sample does not cover: only a refresh can know it. */
const excerptOnly = (() => {
  const bundled = bundledNetworkLists().relay;
  for (const row of rows) {
    const [address] = ipaddr.parseCIDR(row.split(",")[0]!);
    if (address.kind() === "ipv4" && !rangeSetHas(bundled, parseIp(address.toString())!)) return address.toString();
  }
  throw new Error("every excerpt row is in the bundled sample");
})();
/** In the bundled sample (Cloudflare's egress) but not in the excerpt: a refreshed list no longer has it. */
const sampleOnly = "104.28.30.9";

type Answer = () => Response;
let apple: Answer;
let microsoft: Answer;
let fetched: string[];

beforeEach(() => {
  fetched = [];
  apple = () => new Response(appleExcerpt, { headers: { "content-type": "text/csv" } });
  microsoft = () => new Response(ENDPOINTS, { headers: { "content-type": "application/json" } });
  // Nothing leaves the machine: the two sources are answered here, anything else fails the test.
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input);
    fetched.push(url);
    if (url === APPLE_EGRESS_URL) return apple();
    if (url.startsWith(`${MICROSOFT_ENDPOINTS_URL}?clientrequestid=`)) return microsoft();
    throw new Error(`unexpected fetch of ${url}`);
  });
  resetInstalledNetworkLists();
});

afterEach(() => {
  vi.restoreAllMocks();
  resetInstalledNetworkLists();
});

async function runCron(cron = NETWORK_LISTS_CRON): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function storedRelay(): Promise<{ version: string; relay: RangeSet; summary: Record<string, unknown> }> {
  const head = (await storedListsHead(database(env.DB)))!;
  const lists = decodeNetworkLists((await storedListsBytes(database(env.DB), head.version))!);
  return { version: head.version, relay: lists.relay, summary: head.summary };
}

/** What the consumer says of a bare `Mozilla/5.0` open from `ip`, with whatever lists it installs. */
async function mppVerdict(ip: string): Promise<string | null> {
  const campaignId = uniqueId("lists");
  const open = sampleEvent({ campaignId, type: "open", userAgent: "Mozilla/5.0", ip });
  expect((await deliver(EVENTS_QUEUE, messages([envelope([open])]))).retryMessages).toEqual([]);
  return (await eventsFor(campaignId))[0]!.machine_reason;
}

describe("the network lists refresh", () => {
  it("runs on the daily trigger wrangler.toml declares, and not on the others", async () => {
    expect(env.TEST_CRONS).toContain(NETWORK_LISTS_CRON);
    for (const other of env.TEST_CRONS.filter((c) => c !== NETWORK_LISTS_CRON)) await runCron(other);
    expect(fetched).toEqual([]);
  });

  it("stores the lists from the recorded sources, and the consumer classifies with them from then on", async () => {
    // Before: the bundled sample does not know this relay address, so a bare agent from it is only a bare agent.
    expect(await mppVerdict(excerptOnly)).toBe("bare_agent");
    await runCron();
    expect(fetched.map((u) => u.split("?")[0])).toEqual(expect.arrayContaining([APPLE_EGRESS_URL, MICROSOFT_ENDPOINTS_URL]));
    const stored = await storedRelay();
    expect(stored.summary).toMatchObject({
      relay: { outcome: "fetched", rows: rows.length, rejected: 0 },
      microsoft: { outcome: "fetched", rows: 7 },
    });
    expect(rangeSetHas(stored.relay, parseIp(excerptOnly)!)).toBe(true);
    expect(rangeSetHas(stored.relay, parseIp(sampleOnly)!)).toBe(false);
    // The consumer installs the stored copy on its next batch.
    resetInstalledNetworkLists();
    expect(await mppVerdict(excerptOnly)).toBe("mpp_proxy");
    expect(await mppVerdict(sampleOnly)).toBe("bare_agent");
  });

  it("keeps the last good copy when the sources fail or answer something truncated or corrupt", async () => {
    await runCron();
    const good = await storedRelay();

    // Both down: nothing is stored, the copy in force stays.
    apple = () => new Response("busy", { status: 503 });
    microsoft = () => new Response("not json");
    await runCron();
    expect((await storedListsHead(database(env.DB)))!.version).toBe(good.version);

    // A truncated relay file (a third of the rows) while Microsoft answers: the relay part of the last good copy stays.
    apple = () => new Response(rows.slice(0, Math.floor(rows.length / 3)).join("\n"));
    microsoft = () => new Response(ENDPOINTS);
    await runCron();
    const afterTruncated = await storedRelay();
    expect(afterTruncated.version).not.toBe(good.version);
    expect(afterTruncated.summary).toMatchObject({ relay: { outcome: "kept", rows: rows.length }, microsoft: { outcome: "fetched" } });
    expect(afterTruncated.summary.relay).toMatchObject({ reason: expect.stringMatching(/truncated/) });
    expect(afterTruncated.relay).toEqual(good.relay);

    // A file of mostly garbage rows: distrusted whole.
    apple = () => new Response([...rows, ...Array.from({ length: 50 }, (_, i) => `not-a-prefix-${i},XX,,,`)].join("\n"));
    await runCron();
    expect((await storedRelay()).summary).toMatchObject({ relay: { outcome: "kept", reason: expect.stringMatching(/corrupt/) } });
    expect((await storedRelay()).relay).toEqual(good.relay);

    // And the consumer still classifies with it.
    resetInstalledNetworkLists();
    expect(await mppVerdict(excerptOnly)).toBe("mpp_proxy");
  });
});
