// POST /api/send and /api/instrument through the worker, with a real SES v2 emulator on loopback.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keyRing } from "../../src/config/tracking-keys";
import { verifyToken } from "../../src/tracking/token";
import { parseSesMessage } from "../../src/ses/events";
import { decodeTagValue } from "../../src/ses/tags";
import { fixtureText } from "../support/fixtures";
import { api, get, ORIGIN, uniqueId, waitForEvents } from "../support/helpers";
import { header, receivedEmail, receivedEmails } from "../support/ses-emulator";

const HTML = `<!DOCTYPE html><html><body><p>Hello <a href="https://shop.example/sale?a=1&amp;b=2">sale</a>, <a href="mailto:help@shop.example">help</a></p>
<!--[if mso]><p>Outlook</p><![endif]--></body></html>`;
const TEXT = "Hello, see https://shop.example/sale?a=1&b=2";

function sendBody(overrides: Record<string, unknown> = {}) {
  return {
    campaignId: uniqueId("send"),
    to: "Ann.Lee+news@Example.COM",
    from: "Example Shop <shop@example.com>",
    subject: "Spring sale",
    html: HTML,
    text: TEXT,
    ...overrides,
  };
}

async function tokenOf(url: string) {
  const token = url.slice(url.lastIndexOf("/") + 1).replace(/\.gif$/, "");
  const result = await verifyToken(token, await keyRing(env.TRACKING_KEYS));
  if (!result.ok) throw new Error(result.reason);
  return result.payload;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /api/send", () => {
  it("sends the instrumented message through SES, with unsubscribe headers, and records the send event with SES's id", async () => {
    const body = sendBody();
    const res = await api("/send", { method: "POST", json: body });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { messageId: string };
    expect(Object.keys(answer)).toEqual(["messageId"]);

    const email = await receivedEmail(answer.messageId);
    expect(email).toBeDefined();
    expect(email!.destination.to).toEqual([body.to]);
    expect(email!.from).toBe(`"Example Shop" <shop@example.com>`);
    expect(email!.subject).toBe("Spring sale");
    // Text part untouched; HTML carries a tracked link, the untouched mailto, one pixel and one hidden honeypot link.
    expect(email!.body.text).toBe(TEXT);
    const html = email!.body.html!;
    const click = /<a href="([^"]+\/c\/[^"]+)">sale<\/a>/.exec(html)![1]!;
    expect(await tokenOf(click)).toMatchObject({
      kind: "click",
      url: "https://shop.example/sale?a=1&b=2",
      linkIndex: 0,
      campaignId: body.campaignId,
      contact: body.to,
    });
    const traps = [...html.matchAll(/<a href="([^"]+\/c\/[^"]+)" tabindex="-1" aria-hidden="true" style="display:none"><\/a>/g)];
    expect(traps).toHaveLength(1);
    expect(await tokenOf(traps[0]![1]!)).toMatchObject({
      kind: "click",
      url: `${ORIGIN}/`,
      linkIndex: 0xffff,
      campaignId: body.campaignId,
      contact: body.to,
    });
    expect(html).toContain(`<a href="mailto:help@shop.example">help</a>`);
    expect(html).toContain("<!--[if mso]><p>Outlook</p><![endif]-->");
    const pixel = /<img src="([^"]+\/o\/[^"]+)"/.exec(html)![1]!;
    expect(await tokenOf(pixel)).toMatchObject({ kind: "open", campaignId: body.campaignId });

    // One-click unsubscribe (RFC 8058) pointing at this deployment.
    const listUnsubscribe = header(email!, "List-Unsubscribe")!;
    expect(listUnsubscribe).toMatch(new RegExp(`^<${ORIGIN}/u/[A-Za-z0-9_-]+>$`));
    expect(await tokenOf(listUnsubscribe.slice(1, -1))).toMatchObject({ kind: "unsubscribe", contact: body.to, campaignId: body.campaignId });
    expect(header(email!, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");

    const [event] = await waitForEvents(body.campaignId, 1);
    expect(event).toMatchObject({
      id: `send:${answer.messageId}`,
      type: "send",
      ses_message_id: answer.messageId,
      contact_id: "ann.lee+news@example.com",
      email: body.to,
    });

    // The tracked link works end to end: it redirects and the click is recorded.
    const clicked = await get(new URL(click).pathname);
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get("location")).toBe("https://shop.example/sale?a=1&b=2");
    const rows = await waitForEvents(body.campaignId, 2);
    expect(rows.map((r) => r.type).sort()).toEqual(["click", "send"]);
  });

  it("signs the SES request and carries configuration set, attribution tags and the caller's tags", async () => {
    const realFetch = globalThis.fetch;
    // Read inside the call: a body belongs to the worker's request context.
    const seen: { url: string; headers: Headers; body: string }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      seen.push({ url: request.url, headers: request.headers, body: await request.clone().text() });
      return realFetch(request);
    });
    const body = sendBody({ tags: { variant: "b" }, replyTo: "Support <help@example.com>" });
    const res = await api("/send", { method: "POST", json: body });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(new URL(request.url).pathname).toBe("/v2/email/outbound-emails");
    expect(request.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIATESTEXAMPLE00001\/\d{8}\/us-east-1\/ses\/aws4_request/);
    const sent = JSON.parse(request.body) as {
      ConfigurationSetName: string;
      EmailTags: { Name: string; Value: string }[];
      ReplyToAddresses: string[];
    };
    expect(sent.ConfigurationSetName).toBe("mail-tracker-test");
    expect(sent.ReplyToAddresses).toEqual([`"Support" <help@example.com>`]);
    const tags = Object.fromEntries(sent.EmailTags.map((t) => [t.Name, t.Value]));
    expect(Object.keys(tags)).toEqual(["campaign", "contact", "variant"]);
    expect(decodeTagValue(tags.campaign!)).toBe(body.campaignId);
    expect(decodeTagValue(tags.contact!)).toBe(body.to);
    for (const value of Object.values(tags)) expect(value).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
  });

  it("refuses a suppressed recipient with 409 and its reason, and sends nothing", async () => {
    const to = `${uniqueId("complainer")}@example.com`;
    await env.DB.prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, 'complaint', ?, NULL, NULL)")
      .bind(to, Date.now())
      .run();
    const before = (await receivedEmails()).length;
    const res = await api("/send", { method: "POST", json: sendBody({ to }) });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "suppressed", reason: "complaint" });
    const after = await receivedEmails();
    expect(after.length).toBe(before);
    expect(after.some((e) => e.destination.to.includes(to))).toBe(false);
  });

  it("sends again once a soft-bounce suppression has expired", async () => {
    const to = `${uniqueId("soft")}@example.com`;
    await env.DB.prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, 'soft_bounce', ?, ?, NULL)")
      .bind(to, Date.now() - 10_000, Date.now() - 1)
      .run();
    expect((await api("/send", { method: "POST", json: sendBody({ to }) })).status).toBe(200);
  });

  it.each([
    ["to", { to: "not-an-address" }],
    ["to", { to: undefined }],
    ["from", { from: "Shop <not-an-address>" }],
    ["from", { from: "shop@example.com\r\nBcc: victim@example.com" }],
    ["subject", { subject: "" }],
    ["subject", { subject: "Hi\r\nBcc: victim@example.com" }],
    ["campaignId", { campaignId: "has spaces" }],
    ["html or text", { html: undefined, text: undefined }],
    ["replyTo", { replyTo: ["ok@example.com", "nope"] }],
    ["tags", { tags: { campaign: "override" } }],
    ["tags", { tags: { "bad name": "x" } }],
    ["track", { track: { opens: "no" } }],
  ])("answers 400 naming %s for invalid input, and sends nothing", async (field, overrides) => {
    const spy = vi.spyOn(globalThis, "fetch");
    const res = await api("/send", { method: "POST", json: sendBody(overrides) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("validation_failed");
    expect(body.message).toContain(field === "html or text" ? "html or text" : field);
    expect(spy).not.toHaveBeenCalled();
  });

  it("answers 422 with SES's reason when SES rejects the message, and records no send", async () => {
    // Built per call: a response made in the test's context cannot be read inside the worker's request.
    vi.spyOn(globalThis, "fetch").mockImplementation(
      async () =>
        new Response(JSON.stringify({ message: "Email address is not verified. The following identities failed the check: shop@example.com" }), {
          status: 400,
          headers: { "x-amzn-ErrorType": "MessageRejected:http://internal.amazon.com/coral/com.amazon.sesv2/" },
        }),
    );
    const body = sendBody();
    const res = await api("/send", { method: "POST", json: body });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      error: "upstream_rejected",
      sesError: "MessageRejected",
      reason: expect.stringContaining("not verified"),
    });
    vi.restoreAllMocks();
    // Nothing was recorded: a later successful send is the campaign's first event.
    expect((await api("/send", { method: "POST", json: body })).status).toBe(200);
    const rows = await waitForEvents(body.campaignId, 1);
    expect(rows.map((r) => r.type)).toEqual(["send"]);
  });

  it("retries throttling a bounded number of times, then answers 503 with SES's reason", async () => {
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(
      async () =>
        new Response(JSON.stringify({ message: "Maximum sending rate exceeded." }), {
          status: 429,
          headers: { "x-amzn-ErrorType": "TooManyRequestsException" },
        }),
    );
    const res = await api("/send", { method: "POST", json: sendBody() });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "unavailable", sesError: "TooManyRequestsException", reason: "Maximum sending rate exceeded." });
    // The first attempt and DEFAULT_RETRY's 3 retries.
    expect(spy).toHaveBeenCalledTimes(4);
  });

  it("turns off open and click tracking per send", async () => {
    const res = await api("/send", { method: "POST", json: sendBody({ track: { opens: false, clicks: false } }) });
    const email = await receivedEmail(((await res.json()) as { messageId: string }).messageId);
    expect(email!.body.html).toBe(HTML);
    // Unsubscribe headers are not tracking: they are always there.
    expect(header(email!, "List-Unsubscribe")).toBeDefined();
  });
});

describe("campaign tracking switches", () => {
  it("are on by default, can be turned off per campaign, and a send cannot turn them back on", async () => {
    const campaignId = uniqueId("settings");
    // The answer also carries the campaign's reputation guard (guard.test.ts): untouched by the tracking switches.
    const settings = await (await api(`/campaigns/${campaignId}/settings`)).json();
    expect(settings).toMatchObject({ campaignId, track: { opens: true, clicks: true, honeypot: true }, guard: { enabled: true } });
    const put = await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { track: { clicks: false } } });
    expect(await put.json()).toMatchObject({ campaignId, track: { opens: true, clicks: false, honeypot: true }, guard: { enabled: true } });

    const res = await api("/instrument", { method: "POST", json: { campaignId, contact: "bo@example.com", html: HTML, track: { clicks: true } } });
    const out = (await res.json()) as { html: string; trackedLinks: number; pixel: boolean; track: unknown };
    // No click tracking, so no honeypot link either, whatever the campaign's honeypot switch says.
    expect(out).toMatchObject({ trackedLinks: 0, pixel: true, honeypot: false, track: { opens: true, clicks: false, honeypot: false } });
    expect(out.html).toContain(`<a href="https://shop.example/sale?a=1&amp;b=2">sale</a>`);
    expect(out.html).not.toContain("/c/");
  });

  it("turn the honeypot link off per campaign, leaving the tracked links as they were", async () => {
    const campaignId = uniqueId("settings");
    const instrument = async () =>
      (await (await api("/instrument", { method: "POST", json: { campaignId, contact: "bo@example.com", html: HTML } })).json()) as {
        html: string;
        trackedLinks: number;
        honeypot: boolean;
      };
    const before = await instrument();
    expect(before).toMatchObject({ trackedLinks: 1, honeypot: true });
    expect(before.html.match(/\/c\//g)).toHaveLength(2);
    const put = await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { track: { honeypot: false } } });
    expect(await put.json()).toMatchObject({ campaignId, track: { opens: true, clicks: true, honeypot: false } });
    const after = await instrument();
    expect(after).toMatchObject({ trackedLinks: 1, honeypot: false });
    expect(after.html.match(/\/c\//g)).toHaveLength(1);
    expect(after.html).not.toContain("aria-hidden");
    // Changing another switch keeps it off.
    await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { track: { opens: false } } });
    expect(await (await api(`/campaigns/${campaignId}/settings`)).json()).toMatchObject({
      campaignId,
      track: { opens: false, clicks: true, honeypot: false },
    });
  });

  it("refuses an invalid switch with 400 and changes nothing", async () => {
    const campaignId = uniqueId("settings");
    expect((await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { track: { opens: 0 } } })).status).toBe(400);
    expect((await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { track: { honeypot: "no" } } })).status).toBe(400);
    const after = (await (await api(`/campaigns/${campaignId}/settings`)).json()) as { track: unknown };
    expect(after.track).toEqual({ opens: true, clicks: true, honeypot: true });
    // Neither tracking nor the guard named, or a rate above 1: refused.
    expect((await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: {} })).status).toBe(400);
    expect((await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { guard: { bounceRate: 2 } } })).status).toBe(400);
  });
});

describe("POST /api/instrument", () => {
  it("answers the instrumented HTML with the unsubscribe headers to add", async () => {
    const campaignId = uniqueId("instr");
    const res = await api("/instrument", { method: "POST", json: { campaignId, contact: "cy@example.com", html: HTML } });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { html: string; headers: Record<string, string>; unsubscribe: string; trackedLinks: number; pixel: boolean };
    expect(out.trackedLinks).toBe(1);
    expect(out.pixel).toBe(true);
    expect(out.headers).toEqual({ "List-Unsubscribe": `<${out.unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
    expect(await tokenOf(/<a href="([^"]+\/c\/[^"]+)">sale<\/a>/.exec(out.html)![1]!)).toMatchObject({
      url: "https://shop.example/sale?a=1&b=2",
      contact: "cy@example.com",
    });
  });

  it("answers the EmailTags the worker's own send attaches, and SES events carrying them count for the campaign and contact", async () => {
    const campaignId = uniqueId("instr.tags_v2");
    const contact = "Dee.O'Neil+news@Example.COM";
    const instrumented = await api("/instrument", { method: "POST", json: { campaignId, contact, html: HTML } });
    const { emailTags } = (await instrumented.json()) as { emailTags: { Name: string; Value: string }[] };

    // What this worker attaches when it sends to the same campaign and contact.
    const realFetch = globalThis.fetch;
    const bodies: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      bodies.push(await request.clone().text());
      return realFetch(request);
    });
    expect((await api("/send", { method: "POST", json: sendBody({ campaignId, to: contact }) })).status).toBe(200);
    expect(emailTags).toEqual((JSON.parse(bodies[0]!) as { EmailTags: unknown }).EmailTags);
    expect(emailTags.map((t) => t.Name)).toEqual(["campaign", "contact"]);

    // SES publishes EmailTags as mail.tags ({ name: [value] }): an open, which names no recipient, on a message to two.
    type OpenRecord = { mail: { tags: Record<string, string[]>; destination: string[] } };
    const record = JSON.parse(fixtureText("ses/event-publishing__open-record.json")) as OpenRecord;
    record.mail.tags = { ...record.mail.tags, ...Object.fromEntries(emailTags.map((t) => [t.Name, [t.Value]])) };
    record.mail.destination = [contact, "someone.else@example.com"];
    const parsed = await parseSesMessage(JSON.stringify(record), { messageId: crypto.randomUUID(), timestamp: new Date().toISOString() });
    expect(parsed).toMatchObject({
      kind: "events",
      events: [{ type: "open", campaignId, email: contact, contactId: "dee.o'neil+news@example.com" }],
    });
  });

  it("requires the bearer token and a valid body", async () => {
    expect(
      (
        await api("/instrument", {
          method: "POST",
          json: { campaignId: "x", contact: "a@example.com", html: "" },
          headers: { authorization: "Bearer wrong" },
        })
      ).status,
    ).toBe(401);
    expect((await api("/instrument", { method: "POST", json: { campaignId: "x", contact: "nope", html: "" } })).status).toBe(400);
  });
});
