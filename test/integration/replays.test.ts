// No amplification: one pixel or click URL replayed in a loop is answered every time but stored and counted once per
// network and minute, and costs the queue one message.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REPEAT_WINDOW_MS } from "../../src/tracking/edge-event";
import { campaignStats } from "../../src/objects/stats-client";
import { BROWSER_UA, drainEvents, eventsFor, get, getSettled, mint, recordingQueue, uniqueId, waitForEvents } from "../support/helpers";

const REPLAYS = 1_000;
const IN_FLIGHT = 50;

/** Windows of REPEAT_WINDOW_MS touched between two instants: the most events one source can make in between. */
function windowsBetween(start: number, end: number): number {
  return Math.floor(end / REPEAT_WINDOW_MS) - Math.floor(start / REPEAT_WINDOW_MS) + 1;
}

/** `count` requests, IN_FLIGHT at a time, each from a host of 198.51.100.0/24 (one network). */
async function fire(count: number, path: (i: number) => string, expectStatus: number): Promise<void> {
  for (let i = 0; i < count; i += IN_FLIGHT) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, count - i) }, async (_, k) => {
        const res = await get(path(i + k), { headers: { "cf-connecting-ip": `198.51.100.${(i + k) % 256}`, "user-agent": BROWSER_UA } });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(answers.every((s) => s === expectStatus)).toBe(true);
  }
}

describe("one URL in a loop", () => {
  it(`${REPLAYS} pixel and ${REPLAYS} click requests with one token each from one /24: every one answered, one event each per minute`, async () => {
    const campaignId = uniqueId("loop");
    const open = await mint({ kind: "open", campaignId, contact: "looped@example.com" });
    const click = await mint({ kind: "click", campaignId, contact: "looped@example.com", url: "https://example.com/deal", linkIndex: 0 });
    const start = Date.now();
    await fire(REPLAYS, (i) => (i % 2 === 0 ? `/o/${open}.gif` : `/o/${open}`), 200);
    await fire(REPLAYS, () => `/c/${click}`, 302);
    const most = windowsBetween(start, Date.now());
    // Positive control: another network is another reader, and is recorded.
    await get(`/o/${open}.gif`, { headers: { "cf-connecting-ip": "203.0.113.40", "user-agent": BROWSER_UA } });
    await waitForEvents(campaignId, 3);
    await drainEvents();

    const rows = await eventsFor(campaignId);
    const fromLoop = rows.filter((r) => r.ip === "198.51.100.0");
    expect(fromLoop.filter((r) => r.type === "open").length).toBeGreaterThanOrEqual(1);
    expect(fromLoop.filter((r) => r.type === "open").length).toBeLessThanOrEqual(most);
    expect(fromLoop.filter((r) => r.type === "click").length).toBeGreaterThanOrEqual(1);
    expect(fromLoop.filter((r) => r.type === "click").length).toBeLessThanOrEqual(most);
    expect(rows.filter((r) => r.ip === "203.0.113.0").map((r) => r.type)).toEqual(["open"]);
    expect(rows).toHaveLength(fromLoop.length + 1);

    // The counters moved exactly as D1 did: a handful, not thousands.
    const counts = await campaignStats(env.CAMPAIGN_STATS, campaignId).counts();
    expect(counts.opens).toBe(rows.filter((r) => r.type === "open").length);
    expect(counts.clicks).toBe(rows.filter((r) => r.type === "click").length);
    expect(counts.opensUnique).toBe(1);
    expect(counts.clicksUnique).toBe(1);
    const [link] = await campaignStats(env.CAMPAIGN_STATS, campaignId).links();
    expect(link).toMatchObject({ url: "https://example.com/deal", total: counts.clicks, unique: 1 });
  });

  it("puts one message on the queue per token, network and minute: the isolate remembers what it enqueued", async () => {
    const campaignId = uniqueId("loop-queue");
    const token = await mint({ kind: "open", campaignId, contact: "looped@example.com" });
    const { queue, sent } = recordingQueue();
    const start = Date.now();
    for (let i = 0; i < 200; i++) {
      const res = await getSettled(`/o/${token}.gif`, { headers: { "cf-connecting-ip": `198.51.100.${i}` } }, { ...env, EVENTS: queue });
      expect(res.status).toBe(200);
    }
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeLessThanOrEqual(windowsBetween(start, Date.now()));
    // A request from elsewhere is sent at once.
    await getSettled(`/o/${token}.gif`, { headers: { "cf-connecting-ip": "2001:db8:7::1" } }, { ...env, EVENTS: queue });
    expect(sent.length).toBeGreaterThanOrEqual(2);
  });
});
