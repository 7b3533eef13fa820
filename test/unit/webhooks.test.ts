// Webhook rules as plain functions: which URLs pass, how an attempt is judged, what matches, how messages are signed.
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { resolvePublic } from "../../src/webhooks/dns";
import { DISABLE_AFTER_MS, judge, MAX_ATTEMPTS, parseRetryAfter, RETRY_DELAYS_S, type AttemptResult } from "../../src/webhooks/retry";
import { activeSecrets, newSecret, signedHeaders } from "../../src/webhooks/signing";
import { deliveryId, matches, readWebhookTask, tasksFor, type WebhookEvent } from "../../src/webhooks/tasks";
import { checkWebhookUrl } from "../../src/webhooks/url-policy";

const PRODUCTION = { allowLocalHttp: false };
const LOCAL = { allowLocalHttp: true };

describe("webhook URL policy", () => {
  it.each([
    ["http://hooks.example.com/x", "must be https"],
    ["ftp://hooks.example.com/x", "must be https"],
    ["https://user:pw@hooks.example.com/", "credentials"],
    ["https://10.0.0.7/hook", "private"],
    ["https://192.168.1.1/hook", "private"],
    ["https://172.16.5.4/hook", "private"],
    ["https://127.0.0.1/hook", "loopback"],
    ["https://2130706433/hook", "loopback"],
    ["https://169.254.169.254/latest/meta-data", "linkLocal"],
    ["https://100.64.0.1/", "carrierGradeNat"],
    ["https://[::1]/hook", "loopback"],
    ["https://[fd00::1]/hook", "uniqueLocal"],
    ["https://[fe80::1]/hook", "linkLocal"],
    ["https://[::ffff:10.0.0.1]/hook", "private"],
    ["https://[::ffff:127.0.0.1]/hook", "loopback"],
    ["https://[::127.0.0.1]/hook", "IPv4-compatible"],
    ["https://[::7f00:1]/hook", "IPv4-compatible"],
    ["https://[::10.0.0.1]/hook", "IPv4-compatible"],
    ["https://[::169.254.169.254]/", "IPv4-compatible"],
    ["https://[0:0:0:0:0:0:0a00:0001]/hook", "IPv4-compatible"],
    ["https://[::8.8.8.8]/hook", "IPv4-compatible"],
    ["https://[::]/", "unspecified"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://localhost/hook", "localhost"],
    ["https://intranet/hook", "fully qualified"],
    ["not a url", "absolute URL"],
  ])("refuses %s in production (%s)", (url, reason) => {
    const verdict = checkWebhookUrl(url, PRODUCTION);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });

  it("accepts https to a public name (its addresses are checked next) or a public IP literal", () => {
    expect(checkWebhookUrl("https://hooks.example.com/mail?x=1", PRODUCTION)).toEqual({
      ok: true,
      url: "https://hooks.example.com/mail?x=1",
      resolve: "hooks.example.com",
    });
    expect(checkWebhookUrl("https://93.184.215.14/hook", PRODUCTION)).toEqual({ ok: true, url: "https://93.184.215.14/hook", resolve: null });
  });

  it("allows plain http to the loopback only when running locally, and nowhere else", () => {
    for (const url of ["http://127.0.0.1:8788/hook", "http://localhost:3000/x", "http://[::1]:9/x"]) {
      expect(checkWebhookUrl(url, LOCAL).ok, url).toBe(true);
      expect(checkWebhookUrl(url, PRODUCTION).ok, url).toBe(false);
    }
    expect(checkWebhookUrl("http://hooks.example.com/", LOCAL).ok).toBe(false);
    expect(checkWebhookUrl("http://10.0.0.1/", LOCAL).ok).toBe(false);
    // Locally no DNS question is asked.
    expect(checkWebhookUrl("https://hooks.example.com/", LOCAL)).toMatchObject({ ok: true, resolve: null });
  });
});

describe("DNS-over-HTTPS check of a webhook host", () => {
  function doh(answers: Record<string, unknown>) {
    return vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input));
      expect(url.origin + url.pathname).toBe("https://cloudflare-dns.com/dns-query");
      return Response.json(answers[url.searchParams.get("type")!] ?? { Status: 0, Answer: [] });
    }) as unknown as typeof fetch;
  }

  it("refuses a name with an IPv4-compatible IPv6 address, as it refuses the IPv4-mapped form", async () => {
    for (const aaaa of ["::7f00:1", "::ffff:7f00:1", "::a00:1"]) {
      const fetcher = doh({ A: { Status: 0 }, AAAA: { Status: 0, Answer: [{ type: 28, data: aaaa }] } });
      expect(await resolvePublic("hooks.example.com", fetcher), aaaa).toMatchObject({ ok: false });
    }
  });

  it("accepts a name whose every address is public", async () => {
    const fetcher = doh({
      A: {
        Status: 0,
        Answer: [
          { type: 5, data: "edge.example.net." },
          { type: 1, data: "93.184.215.14" },
        ],
      },
      AAAA: { Status: 0 },
    });
    expect(await resolvePublic("hooks.example.com", fetcher)).toEqual({ ok: true, addresses: ["93.184.215.14"] });
  });

  it("refuses a name with one private address, one that does not exist, and one with no address", async () => {
    const privateOne = doh({
      A: {
        Status: 0,
        Answer: [
          { type: 1, data: "93.184.215.14" },
          { type: 1, data: "10.1.2.3" },
        ],
      },
    });
    expect(await resolvePublic("mixed.example.com", privateOne)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("10.1.2.3, a private address"),
    });
    expect(await resolvePublic("gone.example.com", doh({ A: { Status: 3 }, AAAA: { Status: 3 } }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining("NXDOMAIN"),
    });
    expect(await resolvePublic("empty.example.com", doh({}))).toMatchObject({ ok: false, reason: expect.stringContaining("no A or AAAA") });
    const v6 = doh({ AAAA: { Status: 0, Answer: [{ type: 28, data: "fd12::1" }] } });
    expect(await resolvePublic("v6.example.com", v6)).toMatchObject({ ok: false, reason: expect.stringContaining("uniqueLocal") });
  });

  it("says the resolver is unavailable (a retry may pass) when it fails or answers SERVFAIL", async () => {
    const down = vi.fn(async () => {
      throw new Error("connection refused");
    }) as unknown as typeof fetch;
    expect(await resolvePublic("hooks.example.com", down)).toMatchObject({ ok: false, unavailable: true });
    expect(await resolvePublic("hooks.example.com", doh({ A: { Status: 2 } }))).toMatchObject({ ok: false, unavailable: true });
  });
});

describe("judging an attempt", () => {
  const answer = (status: number, retryAfterS: number | null = null): AttemptResult => ({ kind: "response", status, retryAfterS });

  it("counts every 2xx as delivered", () => {
    for (const status of [200, 201, 202, 204, 299]) expect(judge(answer(status), 1, true)).toEqual({ outcome: "delivered" });
  });

  it("retries timeouts, network errors, 408, 409, 429 and 5xx on the schedule", () => {
    for (const result of [
      answer(408),
      answer(409),
      answer(429),
      answer(500),
      answer(502),
      answer(503),
      { kind: "timeout" } as const,
      { kind: "network", error: "reset" } as const,
    ]) {
      expect(judge(result, 1, true)).toMatchObject({ outcome: "retry", delayS: 5 });
      expect(judge(result, 4, true)).toMatchObject({ outcome: "retry", delayS: 7200 });
    }
  });

  it("stops at once on other 4xx and on 3xx (redirects are not followed), and disables the endpoint on 410", () => {
    for (const status of [400, 401, 403, 404, 413, 422, 301, 302, 307]) expect(judge(answer(status), 1, true)).toMatchObject({ outcome: "failed" });
    expect(judge(answer(302), 1, true)).toMatchObject({ error: expect.stringContaining("redirects are not followed") });
    expect(judge(answer(410), 1, true)).toMatchObject({ outcome: "failed", disableEndpoint: expect.stringContaining("410") });
    expect(judge(answer(404), 1, true)).not.toHaveProperty("disableEndpoint");
  });

  it("honours a Retry-After longer than the schedule's delay, never a shorter one", () => {
    expect(judge(answer(429, 120), 1, true)).toMatchObject({ outcome: "retry", delayS: 120 });
    expect(judge(answer(503, 1), 3, true)).toMatchObject({ outcome: "retry", delayS: 1800 });
  });

  it("gives up after the last scheduled attempt, about 27 hours after the first: longer than the day that disables an endpoint", () => {
    expect(MAX_ATTEMPTS).toBe(8);
    expect(judge(answer(500), MAX_ATTEMPTS - 1, true)).toMatchObject({ outcome: "retry", delayS: 36_000 });
    expect(judge(answer(500), MAX_ATTEMPTS, true)).toMatchObject({ outcome: "failed", error: expect.stringContaining("gave up after 8 attempts") });
    const span = RETRY_DELAYS_S.reduce((a, b) => a + b, 0) * 1000;
    expect(span).toBe((27 * 3600 + 35 * 60 + 5) * 1000);
    expect(span).toBeGreaterThan(DISABLE_AFTER_MS);
  });

  it("makes a retry by hand a single attempt", () => {
    expect(judge(answer(500), 1, false)).toMatchObject({ outcome: "failed" });
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Mon, 30 Nov 2026 10:05:00 GMT", now)).toBe(300);
    expect(parseRetryAfter("Mon, 30 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("fan-out filters", () => {
  const bounce: WebhookEvent = { id: "e1", type: "email.bounce", campaignId: "spring", at: 1 };
  const paused: WebhookEvent = { id: "p1", type: "account.paused", campaignId: null, at: 1, data: {} };

  it("matches on event types and on the campaign; an absent filter takes everything", () => {
    expect(matches({ id: "a", eventTypes: null, campaignId: null }, bounce)).toBe(true);
    expect(matches({ id: "a", eventTypes: ["email.bounce", "email.complaint"], campaignId: null }, bounce)).toBe(true);
    expect(matches({ id: "a", eventTypes: ["email.open"], campaignId: null }, bounce)).toBe(false);
    expect(matches({ id: "a", eventTypes: null, campaignId: "spring" }, bounce)).toBe(true);
    expect(matches({ id: "a", eventTypes: null, campaignId: "autumn" }, bounce)).toBe(false);
    // Account-wide events belong to no campaign.
    expect(matches({ id: "a", eventTypes: null, campaignId: "spring" }, paused)).toBe(false);
    expect(matches({ id: "a", eventTypes: ["account.paused"], campaignId: null }, paused)).toBe(true);
  });

  it("makes one task per matching endpoint and event", () => {
    const endpoints = [
      { id: "all", eventTypes: null, campaignId: null },
      { id: "bounces", eventTypes: ["email.bounce"], campaignId: null },
      { id: "autumn", eventTypes: null, campaignId: "autumn" },
    ];
    expect(tasksFor(endpoints, [bounce, paused]).map((t) => `${t.endpointId}:${t.event.id}`)).toEqual(["all:e1", "bounces:e1", "all:p1"]);
  });

  it("reads a queue body as a task, or says why it is not one", () => {
    const task = { v: 1, endpointId: "ep_abc", event: { id: "e1", type: "email.open", campaignId: "spring", at: 1 } };
    expect(readWebhookTask(task)).toEqual({ ok: true, value: task });
    expect(readWebhookTask({ ...task, event: { ...task.event, type: "email.opened" } })).toEqual({
      ok: false,
      reason: "not a webhook task: event.type: must be a webhook event type",
    });
    expect(readWebhookTask({ ...task, endpointId: "../x" })).toEqual({ ok: false, reason: "not a webhook task: endpointId: must be an endpoint id" });
    expect(readWebhookTask("text")).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a webhook task: /) });
  });

  it("derives the webhook-id from the endpoint and the event: the same for every copy, different across endpoints", async () => {
    const id = await deliveryId("ep_a", "open:xyz");
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(await deliveryId("ep_a", "open:xyz")).toBe(id);
    expect(await deliveryId("ep_b", "open:xyz")).not.toBe(id);
    expect(await deliveryId("ep_a", "open:xyz2")).not.toBe(id);
  });
});

describe("signing", () => {
  it("makes secrets as the specification serialises them: whsec_ and base64 of 32 random bytes", () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(secret.slice(6)).length).toBe(32);
    expect(newSecret()).not.toBe(secret);
  });

  it("signs with every active secret, and a receiver holding either one verifies with Webhook.verify", () => {
    const [current, previous] = [newSecret(), newSecret()];
    const now = Date.now();
    const body = JSON.stringify({ type: "email.open", timestamp: new Date(now).toISOString(), data: { id: "x" } });
    const secrets = activeSecrets({ current, previous, previousExpiresAt: now + 1000 }, now);
    expect(secrets).toEqual([current, previous]);
    const headers = signedHeaders("msg_abc", now, body, secrets);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(/No matching signature/);
    // Once the overlap is over, only the current secret signs.
    expect(activeSecrets({ current, previous, previousExpiresAt: now }, now)).toEqual([current]);
  });
});
