// The right to erasure and of access, end to end: a person seeded across every store through the real pipeline
// (campaign send through SES, open, click, a complaint through signed SNS, one-click unsubscribe, a manual
// suppression and its lift, dead letters), exported, erased, and then looked for in every D1 table and in the
// campaign's Durable Object storage: nothing names them, their suppression survives as a hash, counts stay.
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { envelope } from "../../src/domain/events";
import worker from "../../src/index";
import { EVENTS_DLQ, SEND_DLQ } from "../../src/config/queues";
import { CAMPAIGN_TAG, encodeTagValue } from "../../src/ses/tags";
import { campaignStats } from "../../src/objects/stats-client";
import { fixtureText } from "../support/fixtures";
import { api, BROWSER_UA, eventsFor, get, ORIGIN, sampleEvent, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";
import { header, receivedEmails } from "../support/ses-emulator";
import { TEST_API_TOKEN } from "../support/secrets";
import { MESSAGE } from "../support/send-queue";
import { createTestSigner, signedNotification } from "../support/sns-signer";
import { createEndpoint, hookUrl, waitForHooks } from "../support/webhooks";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic";
import { d1Mentions, durableObjectMentions } from "../support/storage-scan";

afterEach(() => {
  vi.restoreAllMocks();
});

const ONE_CLICK = { "content-type": "application/x-www-form-urlencoded" };

/** The parts of GET /api/contacts/<email>/export this test reads. */
interface ExportDoc {
  events: Array<{ type: string }>;
  suppression: { reason: string } | null;
  erasedSuppression: { reason: string } | null;
  suppressionLift: unknown;
  suppressionHistory: Array<{ action: string }>;
  deliveries: unknown[];
  counters: Array<{ firsts: Array<{ counter: string }>; links: unknown[] }>;
  deadLetters: unknown[];
  webhookDeliveries: Array<{ eventType: string }>;
}

interface ErasureAnswer {
  erased: Record<string, number> & { counterEntries: Record<string, number> };
  stillSuppressed: boolean;
}

/** Signed SNS needs its certificate fetched: served here; the SES emulator's requests go through untouched. */
async function serveCertificate() {
  const signer = await createTestSigner();
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    return url === signer.certUrl ? Promise.resolve(new Response(signer.certificatePem)) : realFetch(input, init);
  });
  return signer;
}

async function waitFor<T>(what: () => Promise<T | false>, timeout = 20_000): Promise<T> {
  return vi.waitUntil(what, { timeout, interval: 100 });
}

/** Everything a person leaves behind, made through the routes and queues a real deployment uses. */
async function seed(campaignId: string, person: string, other: string) {
  // A manual suppression, lifted: suppression_lifts and suppression_history name the person.
  expect((await api("/suppressions", { method: "POST", json: { email: person, reason: "manual" } })).status).toBe(201);
  expect((await api(`/suppressions/${encodeURIComponent(person)}`, { method: "DELETE" })).status).toBe(204);

  // A webhook endpoint for the campaign: every event of it is delivered, and its body (the event) is kept.
  await createEndpoint({ url: hookUrl(campaignId), campaignId });

  // A campaign send to both, through the send queue and the SES emulator: deliveries and send events.
  const sent = await api(`/campaigns/${campaignId}/send`, { method: "POST", json: { ...MESSAGE, recipients: [{ to: person }, { to: other }] } });
  expect(sent.status).toBe(202);
  const sends = await waitFor(async () => {
    const rows = (await eventsFor(campaignId)).filter((r) => r.type === "send");
    return rows.length === 2 ? rows : false;
  });
  const emails = await receivedEmails();
  const mailOf = (address: string) => emails.find((m) => m.messageId === sends.find((s) => s.email === address)!.ses_message_id)!;
  const html = mailOf(person).body.html!;
  const pixel = html.match(new RegExp(`${ORIGIN}(/o/[A-Za-z0-9_-]+\\.gif)`))![1]!;
  // The email's own link, not the hidden honeypot link instrumentation adds (a click there is a machine's).
  const click = html.match(new RegExp(`${ORIGIN}(/c/[A-Za-z0-9_-]+)">shop</a>`))![1]!;
  const unsubscribe = header(mailOf(person), "List-Unsubscribe")!.match(new RegExp(`<${ORIGIN}(/u/[A-Za-z0-9_-]+)>`))![1]!;
  const otherPixel = mailOf(other).body.html!.match(new RegExp(`${ORIGIN}(/o/[A-Za-z0-9_-]+\\.gif)`))![1]!;

  // Opens (one each), a click: events, and the counters' unique and per-link sets.
  // A person's browser: requests with no agent would be counted as a machine's, and fill no unique set.
  const from = (ip: string) => ({ headers: { "cf-connecting-ip": ip, "user-agent": BROWSER_UA } });
  expect((await get(pixel, from("203.0.113.5"))).status).toBe(200);
  expect((await get(otherPixel, from("198.51.100.5"))).status).toBe(200);
  expect((await get(click, from("203.0.113.5"))).status).toBe(302);

  // A complaint, as SES publishes it through SNS, signed: an event, a suppression and its history.
  const signer = await serveCertificate();
  const personSend = sends.find((s) => s.email === person)!;
  const complaint = JSON.parse(fixtureText("ses/event-publishing__complaint-record.json").replaceAll("recipient@example.com", person));
  complaint.mail.messageId = personSend.ses_message_id;
  // Now, after the manual lift (events from before a lift never suppress again).
  complaint.complaint.timestamp = complaint.complaint.arrivalDate = complaint.mail.timestamp = new Date().toISOString();
  complaint.mail.tags = { ...complaint.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)] };
  const notification = await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(complaint) });
  const posted = await exports.default.fetch(
    new Request(`${ORIGIN}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body: JSON.stringify(notification) }),
  );
  expect(posted.status).toBe(200);
  await waitFor(async () => (await eventsFor(campaignId)).some((r) => r.type === "complaint"));

  // One-click unsubscribe from the email's List-Unsubscribe header.
  expect((await get(unsubscribe, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" })).status).toBe(200);

  // Dead letters: one of the person's events alone, one beside someone else's, and a send task naming them.
  const theirs = sampleEvent({
    campaignId,
    contactId: person.replace(/@.*/, "@example.org"),
    email: person,
    type: "open",
    id: `dl-${uniqueId("a")}`,
  });
  const someoneElse = sampleEvent({ campaignId, contactId: other, email: other, type: "open", id: `dl-${uniqueId("b")}` });
  await deliver(EVENTS_DLQ, messages([envelope([theirs])], 30));
  await deliver(EVENTS_DLQ, messages([envelope([theirs, someoneElse])], 30));
  await deliver(SEND_DLQ, messages([{ v: 1, jobId: "job-from-the-past", to: person, n: 0 }], 11));

  await waitFor(async () => {
    const types = (await eventsFor(campaignId)).map((r) => `${r.type}:${r.email}`).sort();
    const want = ["click", "complaint", "open", "send", "unsubscribe"].map((t) => `${t}:${person}`);
    return want.every((w) => types.includes(w)) && types.includes(`open:${other}`) ? types : false;
  });
  // The counters have counted the person (unique opens, clicks, unsubscribes, and the link's clickers).
  await waitFor(async () => (await campaignStats(env.CAMPAIGN_STATS, campaignId).counts()).unsubscribes === 1);
  // Every event went out as a webhook: the person's five and the other recipient's two.
  await waitForHooks(campaignId, 7);
  return { someoneElse };
}

describe("DELETE /api/contacts/<email> and GET /api/contacts/<email>/export", () => {
  it("exports everything held about a person, then erases them from every store: nothing names them, counts stay", async () => {
    const campaignId = uniqueId("gdpr");
    const person = `Erin.${uniqueId("case")}+gdpr@Example.org`;
    const contactId = person.replace(/@.*/, "@example.org");
    const other = `${uniqueId("kept")}@example.org`;
    const needles = [person, contactId];
    const { someoneElse } = await seed(campaignId, person, other);
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);

    // Positive control: the scans find the person in every store the pipeline wrote them to.
    const before = await d1Mentions(env.DB, needles);
    expect(new Set(before.map((m) => m.table))).toEqual(
      new Set(["events", "deliveries", "suppressions", "suppression_history", "suppression_lifts", "dead_letters", "webhook_deliveries"]),
    );
    expect(new Set((await durableObjectMentions(stub, needles)).map((m) => m.table))).toEqual(new Set(["firsts", "link_contacts", "click_window"]));

    // The right of access: all of it, and nothing of the other recipient.
    const exported = await api(`/contacts/${encodeURIComponent(person)}/export`);
    expect(exported.status).toBe(200);
    const doc = await exported.json<ExportDoc>();
    expect(new Set(doc.events.map((e) => e.type))).toEqual(new Set(["send", "open", "click", "complaint", "unsubscribe"]));
    expect(doc.suppression).toMatchObject({ reason: "complaint" });
    expect(doc.suppressionLift).not.toBeNull();
    expect(doc.suppressionHistory.map((h) => h.action)).toEqual(["suppress", "lift", "suppress"]);
    expect(doc.deliveries).toMatchObject([{ campaignId, state: "sent", email: person }]);
    expect(doc.counters).toHaveLength(1);
    expect(doc.counters[0]!.firsts.map((f) => f.counter).sort()).toEqual(["clicksUnique", "opensUnique", "unsubscribes"]);
    expect(doc.counters[0]!.links).toEqual([{ linkIndex: 0, url: "https://shop.example/" }]);
    expect(doc.deadLetters).toHaveLength(3);
    expect(doc.webhookDeliveries.map((w) => w.eventType).sort()).toEqual([
      "email.click",
      "email.complaint",
      "email.open",
      "email.send",
      "email.unsubscribe",
    ]);
    expect(JSON.stringify(doc)).not.toContain(other);
    expect(JSON.stringify(doc.deadLetters)).not.toContain(someoneElse.id);

    const statsBefore = await (await api(`/campaigns/${campaignId}/stats`)).json();
    const linksBefore = await (await api(`/campaigns/${campaignId}/links`)).json();

    const erased = await api(`/contacts/${encodeURIComponent(person)}`, { method: "DELETE" });
    expect(erased.status).toBe(200);
    expect(await erased.json()).toEqual({
      email: person,
      key: person.toLowerCase(),
      erasedAt: expect.any(String),
      erased: {
        events: 5,
        eventLinksRedacted: 0,
        webhookDeliveriesRedacted: 0,
        archivePseudonyms: 0,
        deadLettersDeleted: 2,
        deadLettersRewritten: 1,
        suppressions: 1,
        suppressionHistory: 3,
        suppressionLifts: 1,
        deliveries: 1,
        idempotencyKeys: 0,
        webhookDeliveries: 5,
        counterEntries: { campaigns: 1, uniqueSets: 3, linkContacts: 1, recentClicks: 1, linksRedacted: 0, appliedIds: 5 },
        accountGuardIds: 2,
      },
      stillSuppressed: true,
    });

    // Nothing in D1 or in the campaign's object names the person or their contact id any more.
    expect(await d1Mentions(env.DB, needles)).toEqual([]);
    expect(await durableObjectMentions(stub, needles)).toEqual([]);

    // Aggregate numbers are history: unchanged.
    expect(await (await api(`/campaigns/${campaignId}/stats`)).json()).toEqual(statsBefore);
    expect(await (await api(`/campaigns/${campaignId}/links`)).json()).toEqual(linksBefore);

    // Everyone else's data is untouched, the shared dead letter keeps their event.
    expect((await eventsFor(campaignId)).map((r) => `${r.type}:${r.email}`).sort()).toEqual([`open:${other}`, `send:${other}`]);
    const shared = await env.DB.prepare("SELECT body FROM dead_letters WHERE instr(body, ?) > 0").bind(someoneElse.id).first<{ body: string }>();
    expect(JSON.parse(shared!.body).events.map((e: { id: string }) => e.id)).toEqual([someoneElse.id]);

    // Still unmailable, without the address being kept: a send is refused, the suppression is found by its hash.
    const again = await api("/send", {
      method: "POST",
      json: { campaignId, to: person.toUpperCase(), from: MESSAGE.from, subject: "Hi", text: "Hi" },
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "suppressed", reason: "complaint" });
    expect((await api(`/suppressions?email=${encodeURIComponent(person)}`)).status).toBe(200);
    // Without ERASURE_KEY the hash cannot be checked: refused as misconfigured (503), never mailed unchecked.
    const unkeyed = await worker.fetch(
      new Request(`${ORIGIN}/api/send`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ campaignId, to: person, from: MESSAGE.from, subject: "Hi", text: "Hi" }),
      }),
      { ...env, ERASURE_KEY: "" },
      createExecutionContext(),
    );
    expect(unkeyed.status).toBe(503);
    expect(await unkeyed.json()).toMatchObject({ error: "misconfigured", variable: "ERASURE_KEY" });

    // Erasing twice is harmless: nothing found, the hash kept.
    const twice = await (await api(`/contacts/${encodeURIComponent(person)}`, { method: "DELETE" })).json<ErasureAnswer>();
    const { counterEntries, ...stores } = twice.erased;
    expect(Object.values(stores).every((n) => n === 0)).toBe(true);
    expect(counterEntries).toEqual({ campaigns: 0, uniqueSets: 0, linkContacts: 0, recentClicks: 0, linksRedacted: 0, appliedIds: 0 });
    expect(twice.stillSuppressed).toBe(true);
    const after = await (await api(`/contacts/${encodeURIComponent(person)}/export`)).json<ExportDoc>();
    expect(after).toMatchObject({
      events: [],
      suppression: null,
      deliveries: [],
      counters: [],
      deadLetters: [],
      erasedSuppression: { reason: "complaint" },
    });
  });

  it("erases someone never suppressed without keeping anything, and lets them be mailed again", async () => {
    const person = `${uniqueId("plain")}@example.org`;
    const res = await api(`/contacts/${encodeURIComponent(person)}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: person, stillSuppressed: false });
    expect((await api(`/suppressions?email=${encodeURIComponent(person)}`)).status).toBe(404);
  });

  it("answers 400 for something that is not an address, and changes nothing", async () => {
    for (const path of ["/contacts/not-an-address", "/contacts/%20"]) {
      expect((await api(path, { method: "DELETE" })).status).toBe(400);
      expect((await api(`${path}/export`)).status).toBe(400);
    }
  });
});
