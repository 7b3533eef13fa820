// Human or machine through the real pipeline (issue 14): edge → queue message → consumer → D1 and the campaign's
// counters, bursts and honeypot windows settled by the CampaignStats alarm (MACHINE_SETTLE_SECONDS = 1 in tests).
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { envelope, type TrackingEvent } from "../../src/domain/events";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { campaignStats } from "../../src/objects/stats-client";
import { countsFromD1 } from "../support/d1-counts";
import { api, BROWSER_UA, eventsFor, get, getSettled, mint, ORIGIN, recordingQueue, sampleEvent, uniqueId, waitForEvents } from "../support/helpers";
import { deliver, messages } from "../support/queue";

const NAVIGATION = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/** A real row of Apple's egress file, in the bundled sample (src/machine/lists/apple-relay-sample.ts). */
const RELAY_IP = "172.224.226.7";

interface Stats {
  opens: { total: number; unique: number; machine: number; machineByReason: Record<string, number>; ses: number };
  clicks: { total: number; unique: number; machine: number; machineByReason: Record<string, number>; ses: number };
  rates: { open: number; click: number };
}

async function stats(campaignId: string): Promise<Stats> {
  const res = await api(`/campaigns/${campaignId}/stats`);
  expect(res.status).toBe(200);
  return res.json<Stats>();
}

/** Polls the stats (bounded) until `done` holds: the consumer and the settling alarm run on their own. */
function statsWhen(campaignId: string, done: (s: Stats) => boolean): Promise<Stats> {
  return vi.waitUntil(
    async () => {
      const s = await stats(campaignId);
      return done(s) ? s : false;
    },
    { timeout: 15_000, interval: 100 },
  );
}

/** Requests from a browser (or what claims to be one) at `ip`. */
function from(ip: string, userAgent = BROWSER_UA, accept = NAVIGATION): RequestInit {
  return { headers: { "user-agent": userAgent, "cf-connecting-ip": ip, accept } };
}

/** Sends one request through the worker and answers the response and the events it put on the queue (not delivered). */
async function viaEdge(path: string, init: RequestInit): Promise<{ res: Response; events: TrackingEvent[] }> {
  const { queue, sent } = recordingQueue();
  const res = await getSettled(path, init, { ...env, EVENTS: queue });
  return { res, events: sent.flatMap((body) => (body as { events: TrackingEvent[] }).events) };
}

/** The events consumer on one queue message per event, as the edge sends them; everything must be acknowledged. */
async function consume(events: TrackingEvent[]): Promise<void> {
  const result = await deliver(EVENTS_QUEUE, messages(events.map((e) => envelope([e]))));
  expect(result.retryMessages).toEqual([]);
}

async function verdicts(campaignId: string): Promise<Record<string, [number | null, string | null]>> {
  return Object.fromEntries((await eventsFor(campaignId)).map((r) => [r.id, [r.machine, r.machine_reason]]));
}

/** The click links of an email instrumented by the API: the visible ones in order, and the honeypot. */
async function instrumentedLinks(campaignId: string, contact: string, urls: string[]): Promise<{ links: string[]; honeypot: string }> {
  const html = `<html><body>${urls.map((u, i) => `<a href="${u}">link ${i}</a>`).join(" ")}</body></html>`;
  const out = await (await api("/instrument", { method: "POST", json: { campaignId, contact, html } })).json<{ html: string }>();
  const links = [...out.html.matchAll(/<a href="([^"]+)">link \d+<\/a>/g)].map((m) => m[1]!.slice(ORIGIN.length));
  const honeypot = /<a href="([^"]+)" tabindex="-1" aria-hidden="true"/.exec(out.html)![1]!.slice(ORIGIN.length);
  return { links, honeypot };
}

describe("opens", () => {
  it("counts an Apple MPP fetch (Private Relay address, bare Mozilla/5.0) as a machine, mpp_proxy, apart from total and unique", async () => {
    const campaignId = uniqueId("mpp");
    const token = await mint({ kind: "open", campaignId, contact: "ann@example.com" });
    await consume([sampleEvent({ campaignId, type: "delivery", contactId: "ann@example.com" })]);
    await get(`/o/${token}.gif`, from(RELAY_IP, "Mozilla/5.0", "image/*"));
    const [, open] = await waitForEvents(campaignId, 2);
    expect([open!.type, open!.machine, open!.machine_reason]).toEqual(["open", 1, "mpp_proxy"]);
    const s = await statsWhen(campaignId, (x) => x.opens.machine === 1);
    expect(s.opens).toEqual({ total: 0, unique: 0, machine: 1, machineByReason: { mpp_proxy: 1 }, ses: 0 });
    expect(s.rates.open).toBe(0);
  });

  it("takes the network from request.cf.asn: a bare agent from a relay ASN outside the listed ranges is mpp_proxy too", async () => {
    const campaignId = uniqueId("asn");
    const token = await mint({ kind: "open", campaignId, contact: "ann@example.com" });
    const { events } = await viaEdge(`/o/${token}.gif`, { ...from("198.51.100.20", "Mozilla/5.0", "image/*"), cf: { asn: 36183 } } as RequestInit);
    expect(events.map((e) => e.request)).toEqual([{ method: "GET", accept: "image/*", asn: 36183 }]);
    await consume(events);
    expect(Object.values(await verdicts(campaignId))).toEqual([[1, "mpp_proxy"]]);
  });

  it("counts a person's open in total and unique, and a later human open after a machine's as one unique human open", async () => {
    const campaignId = uniqueId("later");
    const token = await mint({ kind: "open", campaignId, contact: "bo@example.com" });
    await consume([sampleEvent({ campaignId, type: "delivery", contactId: "bo@example.com" })]);
    await get(`/o/${token}.gif`, from(RELAY_IP, "Mozilla/5.0", "image/*"));
    await statsWhen(campaignId, (x) => x.opens.machine === 1);
    // Two reads from two networks (from one network within a minute they would be one open).
    await get(`/o/${token}.gif`, from("203.0.113.40", BROWSER_UA, "image/*"));
    await get(`/o/${token}.gif`, from("203.0.114.40", BROWSER_UA, "image/*"));
    const s = await statsWhen(campaignId, (x) => x.opens.total === 2);
    expect(s.opens).toEqual({ total: 2, unique: 1, machine: 1, machineByReason: { mpp_proxy: 1 }, ses: 0 });
    // Rates read the people: one delivered, one person opened.
    expect(s.rates.open).toBe(1);
  });
});

describe("clicks", () => {
  it("records a HEAD on the click path as a machine click (head_request), answering exactly as a GET does", async () => {
    const campaignId = uniqueId("head");
    const token = await mint({ kind: "click", campaignId, contact: "cy@example.com", url: "https://shop.example/a", linkIndex: 0 });
    const head = await getSettled(`/c/${token}`, { ...from("203.0.113.9"), method: "HEAD" });
    const getRes = await viaEdge(`/c/${token}`, from("203.0.113.9"));
    for (const res of [head, getRes.res]) {
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://shop.example/a");
      expect(res.headers.get("cache-control")).toBe("no-store, private");
    }
    const s = await statsWhen(campaignId, (x) => x.clicks.machine === 1);
    expect(s.clicks).toEqual({ total: 0, unique: 0, machine: 1, machineByReason: { head_request: 1 }, ses: 0 });
  });

  it("relabels three links clicked from one /24 within 10 s as a burst once settled, exactly and once under replay", async () => {
    const campaignId = uniqueId("burst");
    const contact = "dee@example.com";
    const { links } = await instrumentedLinks(campaignId, contact, ["https://shop.example/1", "https://shop.example/2", "https://shop.example/3"]);
    // A scanner with a current browser agent fanning out over its /24; the person's own click, from their phone network.
    const scanner = [];
    for (const [i, path] of links.entries()) scanner.push(...(await viaEdge(path, from(`198.51.100.${10 + i}`))).events);
    const person = (await viaEdge(links[0]!, from("203.0.113.77"))).events;
    // Another recipient's message, scanned whole by the same scanner: no person clicked it.
    const other = await instrumentedLinks(campaignId, "fay@example.com", [
      "https://shop.example/1",
      "https://shop.example/2",
      "https://shop.example/3",
    ]);
    const scannedOther = [];
    for (const path of other.links) scannedOther.push(...(await viaEdge(path, from("198.51.100.20"))).events);

    // Alone, each click looks like a person's: two arrive, nothing relabels them.
    await consume([...scanner.slice(0, 2), ...person, ...scannedOther]);
    await statsWhen(campaignId, (x) => x.clicks.machine === 3);
    expect((await stats(campaignId)).clicks).toMatchObject({ total: 3, unique: 1, machine: 3 });
    // The third link arrives: after the stall all three are a burst. The person's click stays theirs.
    await consume(scanner.slice(2));
    const settled = await statsWhen(campaignId, (x) => x.clicks.machine === 6);
    expect(settled.clicks).toEqual({ total: 1, unique: 1, machine: 6, machineByReason: { burst: 6 }, ses: 0 });
    // The provider's human clicks move with the relabel (example.com counts as "other").
    expect((await campaignStats(env.CAMPAIGN_STATS, campaignId).providers()).other).toMatchObject({ clicks: 1, clicksUnique: 1 });
    const labels = await verdicts(campaignId);
    expect(scanner.map((e) => labels[e.id])).toEqual([
      [1, "burst"],
      [1, "burst"],
      [1, "burst"],
    ]);
    expect(labels[person[0]!.id]).toEqual([0, "human"]);
    const links0 = await (await api(`/campaigns/${campaignId}/links`)).json<{ links: Array<{ linkIndex: number; clicks: unknown }> }>();
    expect(links0.links.sort((a, b) => a.linkIndex - b.linkIndex).map((l) => l.clicks)).toEqual([
      { total: 1, unique: 1, machine: 2 },
      { total: 0, unique: 0, machine: 2 },
      { total: 0, unique: 0, machine: 2 },
    ]);

    // Redelivered, every message changes nothing, and neither does settling again.
    await consume([...scanner, ...person, ...scannedOther]);
    await runDurableObjectAlarm(campaignStats(env.CAMPAIGN_STATS, campaignId));
    expect((await stats(campaignId)).clicks).toEqual(settled.clicks);
    const counts = await campaignStats(env.CAMPAIGN_STATS, campaignId).counts();
    expect(counts).toEqual((await countsFromD1(env.DB, campaignId)).get(campaignId));
  });

  it("relabels the clicks from the honeypot's /24 within ±10 s as honeypot_window, and only those", async () => {
    const campaignId = uniqueId("trap");
    const contact = "eve@example.com";
    const { links, honeypot } = await instrumentedLinks(campaignId, contact, ["https://shop.example/x"]);
    const scanned = (await viaEdge(links[0]!, from("192.0.2.5"))).events;
    const trap = await viaEdge(honeypot, from("192.0.2.99"));
    // The trap leads to this worker's own root, a plain page that leads nowhere else.
    expect(trap.res.status).toBe(302);
    expect(trap.res.headers.get("location")).toBe(`${ORIGIN}/`);
    const root = await get("/");
    expect(root.headers.get("location")).toBeNull();
    expect(root.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const person = (await viaEdge(links[0]!, from("203.0.113.5"))).events;
    await consume([...scanned, ...trap.events, ...person]);

    const s = await statsWhen(campaignId, (x) => x.clicks.machine === 2 && x.clicks.total === 1);
    expect(s.clicks).toEqual({ total: 1, unique: 1, machine: 2, machineByReason: { honeypot: 1, honeypot_window: 1 }, ses: 0 });
    const labels = await verdicts(campaignId);
    expect([labels[scanned[0]!.id], labels[trap.events[0]!.id], labels[person[0]!.id]]).toEqual([
      [1, "honeypot_window"],
      [1, "honeypot"],
      [0, "human"],
    ]);

    // The audit list: machine=true and machine=false split the clicks by verdict, a page at a time.
    const list = async (query: string) =>
      (await api(`/campaigns/${campaignId}/events?${query}`)).json<{
        items: Array<{ id: string; machine: boolean; machineReason: string }>;
        cursor: string | null;
      }>();
    const machines = await list("machine=true");
    expect(machines.items.map((e) => [e.machine, e.machineReason]).sort()).toEqual([
      [true, "honeypot"],
      [true, "honeypot_window"],
    ]);
    expect((await list("machine=false")).items.map((e) => [e.id, e.machine, e.machineReason])).toEqual([[person[0]!.id, false, "human"]]);
    const first = await list("machine=true&limit=1");
    const second = await list(`machine=true&limit=1&cursor=${first.cursor}`);
    expect([...first.items, ...second.items].map((e) => e.id).sort()).toEqual(machines.items.map((e) => e.id).sort());
    expect(second.cursor).toBeNull();
    expect((await api(`/campaigns/${campaignId}/events?machine=maybe`)).status).toBe(400);
  });
});
