// One person, exactly (issue 23 §3), through the worker: export and erasure reach every spelling of the person's
// address and nobody else. Neighbours (`joann@`, `ann@….evil.test`, `ann+x@`) keep everything; a tracked URL that
// carries the address is redacted in the campaign's links with its counts kept; an event still on the queue when the
// person is erased does not bring them back.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { envelope } from "../../src/domain/events";
import { names } from "../../src/domain/identity";
import { EVENTS_DLQ } from "../../src/config/queues";
import { campaignStats } from "../../src/objects/stats-client";
import { api, BROWSER_UA, drainEvents, eventsFor, get, mint, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";
import { MESSAGE } from "../support/send-queue";
import { d1Mentions, durableObjectMentions } from "../support/storage-scan";
import { createEndpoint, hookUrl, scriptHook } from "../support/webhooks";

afterEach(() => {
  vi.restoreAllMocks();
});

const wait = <T>(what: () => Promise<T | false>) => vi.waitUntil(what, { timeout: 20_000, interval: 100 });
const person = (ip: string) => ({ headers: { "cf-connecting-ip": ip, "user-agent": BROWSER_UA } });

async function open(campaignId: string, contact: string, ip: string): Promise<void> {
  expect((await get(`/o/${await mint({ kind: "open", campaignId, contact })}.gif`, person(ip))).status).toBe(200);
}

async function click(campaignId: string, contact: string, url: string, ip: string): Promise<void> {
  expect((await get(`/c/${await mint({ kind: "click", campaignId, contact, url, linkIndex: 0 })}`, person(ip))).status).toBe(302);
}

async function pendingDeliveries(campaignId: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE campaign_id = ?").bind(campaignId).first<number>("n"))!;
}

interface Export {
  events: Array<{ email: string }>;
  webhookDeliveries: Array<{ payload: { data: { email: string } } }>;
  deadLetters: unknown[];
  suppression: unknown;
  counters: Array<{ firsts: unknown[] }>;
}

describe("export and erasure of one person, and only them", () => {
  it("a receiver that answers 500 and neighbours' opens: ann's export and erasure see and delete none of theirs", async () => {
    const campaignId = uniqueId("joann");
    const u = uniqueId("p").replace("-", "");
    const ann = `ann${u}@example.com`;
    const spelled = `Ann${u}@Example.com`;
    const neighbours = [`jo${ann}`, `${ann}.evil.test`, `ann${u}+x@example.com`];
    const hook = uniqueId("failing");
    await scriptHook(hook, { responses: Array.from({ length: 50 }, () => ({ status: 500 })) });
    await createEndpoint({ url: hookUrl(hook), campaignId });
    for (const [i, who] of [spelled, ...neighbours].entries()) {
      await open(campaignId, who, `203.0.113.${10 + i}`);
      expect((await api("/suppressions", { method: "POST", json: { email: who, reason: "manual" } })).status).toBe(201);
      await deliver(
        EVENTS_DLQ,
        messages([envelope([sampleEvent({ campaignId, contactId: who, email: who, type: "open", id: uniqueId("dl") })])], 30),
      );
    }
    // Every open is stored, counted, and has its webhook delivery, which the receiver refuses (so it stays pending).
    await wait(async () => (await eventsFor(campaignId)).length === 4 && (await pendingDeliveries(campaignId)) === 4);
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    await wait(async () => (await stub.counts()).opensUnique === 4);

    const doc = await (await api(`/contacts/${encodeURIComponent(ann)}/export`)).json<Export>();
    expect(doc.events.map((e) => e.email)).toEqual([spelled]);
    expect(doc.webhookDeliveries.map((w) => w.payload.data.email)).toEqual([spelled]);
    expect(doc.deadLetters).toHaveLength(1);
    expect(doc.suppression).not.toBeNull();
    expect(doc.counters.flatMap((c) => c.firsts)).toHaveLength(1);
    for (const n of neighbours) expect(JSON.stringify(doc).toLowerCase()).not.toContain(n.toLowerCase());

    const erased = await api(`/contacts/${encodeURIComponent(ann)}`, { method: "DELETE" });
    expect(await erased.json()).toMatchObject({
      key: ann,
      erased: { events: 1, webhookDeliveries: 1, deadLettersDeleted: 1, suppressions: 1, counterEntries: { uniqueSets: 1 } },
    });
    // Each neighbour keeps everything: events, the pending delivery, dead letter, suppression, counter entries, export.
    expect(await pendingDeliveries(campaignId)).toBe(3);
    expect((await eventsFor(campaignId)).map((e) => e.email).sort()).toEqual([...neighbours].sort());
    for (const n of neighbours) {
      const theirs = await (await api(`/contacts/${encodeURIComponent(n)}/export`)).json<Export>();
      expect(theirs.events).toHaveLength(1);
      expect(theirs.webhookDeliveries).toHaveLength(1);
      expect(theirs.deadLetters).toHaveLength(1);
      expect(theirs.suppression).not.toBeNull();
      expect(theirs.counters.flatMap((c) => c.firsts)).toHaveLength(1);
    }
    expect((await stub.counts()).opensUnique).toBe(4);
  });

  it("data stored as Erase.Me@Example.COM, erased as erase.me@example.com: everything goes, in D1 and the campaign's object", async () => {
    const campaignId = uniqueId("case");
    const u = uniqueId("e").replace("-", "");
    const stored = `Erase.Me.${u}@Example.COM`;
    const asked = stored.toLowerCase();
    await createEndpoint({ url: hookUrl(uniqueId("ok")), campaignId });
    await open(campaignId, stored, "203.0.113.40");
    await click(campaignId, stored, "https://shop.example.com/p", "203.0.113.40");
    expect((await api("/suppressions", { method: "POST", json: { email: stored, reason: "manual" } })).status).toBe(201);
    await wait(
      async () => (await pendingDeliveries(campaignId)) === 2 && (await campaignStats(env.CAMPAIGN_STATS, campaignId).counts()).clicksUnique === 1,
    );
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    // Positive control: the scans find the person (they compare case-insensitively).
    expect((await d1Mentions(env.DB, [asked])).length).toBeGreaterThan(0);
    expect((await durableObjectMentions(stub, [asked])).length).toBeGreaterThan(0);

    const res = await api(`/contacts/${encodeURIComponent(asked)}`, { method: "DELETE" });
    expect(await res.json()).toMatchObject({ erased: { events: 2, suppressions: 1, webhookDeliveries: 2, counterEntries: { uniqueSets: 2 } } });
    expect(await d1Mentions(env.DB, [asked])).toEqual([]);
    expect(await durableObjectMentions(stub, [asked])).toEqual([]);
  });

  it("a tracked URL carrying the address is redacted from the links, counts kept, and rows that then collide merge", async () => {
    const campaignId = uniqueId("links");
    const u = uniqueId("l").replace("-", "");
    const ann = `Erase.Me.${u}@Example.COM`;
    const bob = `bob.${u}@example.com`;
    const carol = `carol.${u}@example.com`;
    const urlOf = (who: string) => `https://shop.example.com/p?who=${encodeURIComponent(who)}`;
    await click(campaignId, ann, urlOf(ann), "203.0.113.50");
    // Carol was forwarded Ann's mail and clicked Ann's URL: her click is hers, the URL in it names Ann.
    await click(campaignId, carol, urlOf(ann), "198.51.100.50");
    await click(campaignId, bob, urlOf(bob), "192.0.2.50");
    type Link = { url: string; clicks: { total: number; unique: number } };
    const links = async () =>
      (await (await api(`/campaigns/${campaignId}/links`)).json<{ links: Link[] }>()).links.map((l) => ({ url: l.url, ...l.clicks }));
    await wait(async () => (await links()).reduce((n, l) => n + l.total, 0) === 3);
    expect((await links()).find((l) => l.url === urlOf(ann))).toMatchObject({ total: 2, unique: 2 });

    await api(`/contacts/${encodeURIComponent(ann.toLowerCase())}`, { method: "DELETE" });
    const redacted = "https://shop.example.com/p?who=[erased]";
    expect(JSON.stringify(await links()).toLowerCase()).not.toContain(ann.toLowerCase().split("@")[0]);
    expect(await links()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: redacted, total: 2, unique: 2 }),
        expect.objectContaining({ url: urlOf(bob), total: 1 }),
      ]),
    );
    // Carol keeps her click, its link redacted; the object names Ann nowhere.
    expect((await eventsFor(campaignId)).map((e) => [e.email, e.link])).toEqual(
      expect.arrayContaining([
        [carol, redacted],
        [bob, urlOf(bob)],
      ]),
    );
    // Its local part is unique to this test: found nowhere, spelled plainly or percent-encoded.
    expect(await durableObjectMentions(campaignStats(env.CAMPAIGN_STATS, campaignId), [ann, ann.split("@")[0]!])).toEqual([]);
    expect((await d1Mentions(env.DB, [ann.split("@")[0]!])).filter((m) => m.table !== "dead_letters")).toEqual([]);

    // Bob erased too: his URL redacts to the same one, and the two rows merge, counts summed, clickers once each.
    await api(`/contacts/${encodeURIComponent(bob)}`, { method: "DELETE" });
    expect(await links()).toEqual([expect.objectContaining({ url: redacted, total: 3, unique: 3 })]);
  });

  it("an event of the person still on the queue when they are erased is dropped; a complaint among them still suppresses", async () => {
    const campaignId = uniqueId("tomb");
    const u = uniqueId("t").replace("-", "");
    const ann = `ann.${u}@example.com`;
    const joann = `jo${ann}`;
    const erasedAt = Date.parse(
      (await (await api(`/contacts/${encodeURIComponent(ann)}`, { method: "DELETE" })).json<{ erasedAt: string }>()).erasedAt,
    );
    const before = erasedAt - 60_000;
    const queued = [
      sampleEvent({ campaignId, contactId: `Ann.${u}@Example.com`, email: ann, type: "open", occurredAt: before, id: uniqueId("q") }),
      sampleEvent({ campaignId, contactId: ann, email: ann, type: "complaint", occurredAt: before, id: uniqueId("q") }),
      sampleEvent({ campaignId, contactId: joann, email: joann, type: "open", occurredAt: before, id: uniqueId("q") }),
    ];
    await env.EVENTS.send(envelope(queued), { contentType: "json" });
    await drainEvents();
    expect((await eventsFor(campaignId)).map((e) => e.email)).toEqual([joann]);
    // Still unmailable: the complaint left its suppression as the keyed hash only.
    const send = await api("/send", { method: "POST", json: { campaignId, to: ann, from: MESSAGE.from, subject: "Hi", text: "Hi" } });
    expect(await send.json()).toMatchObject({ error: "suppressed", reason: "complaint" });
    // (The scan is by substring: Joann's rows contain "ann.…@example.com"; by address token, none names Ann.)
    expect((await d1Mentions(env.DB, [ann])).filter((m) => names(m.value, ann))).toEqual([]);
  });
});
