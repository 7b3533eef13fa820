// Hostile and broken input, property-based (fast-check): no 5xx for client mistakes, no redirect to a destination
// that was not signed, nothing recorded from an invalid request, oversized bodies refused before they are read whole.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { normalizeDestination } from "../src/tracking/token";
import { tamper } from "../bench/traffic";
import { mint, ORIGIN, uniqueId } from "./helpers";
import { TEST_API_TOKEN } from "./secrets";

/** Bounded so the whole file stays a few seconds: fast-check's shrinking still finds a minimal case on failure. */
const RUNS = { numRuns: 150 };

/** A queue binding that keeps what is sent to it: every event born at the edge passes through it. */
function recordingQueue(): { queue: Queue; sent: unknown[] } {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (batch: Iterable<{ body: unknown }>) => void sent.push(...[...batch].map((m) => m.body)),
  } as unknown as Queue;
  return { queue, sent };
}

/** One request straight into the worker with a recording queue; waits for its background work too. */
async function call(request: Request): Promise<{ response: Response; body: string; enqueued: unknown[] }> {
  const { queue, sent } = recordingQueue();
  const ctx = createExecutionContext();
  const response = await worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, { ...env, EVENTS: queue }, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body, enqueued: sent };
}

const campaignId = uniqueId("hostile");
const contact = `${campaignId}@example.com`;
/** Every destination this test signs; a redirect anywhere else is an open redirect. */
const signed = new Set<string>();
const tokens: { open: string; click: string[]; unsubscribe: string } = { open: "", click: [], unsubscribe: "" };

beforeAll(async () => {
  tokens.open = await mint({ kind: "open", campaignId, contact });
  tokens.unsubscribe = await mint({ kind: "unsubscribe", campaignId, contact });
  for (const url of ["https://shop.example.com/a?b=c#d", "http://example.org/", "https://例え.jp/パス"]) {
    tokens.click.push(await mint({ kind: "click", campaignId, contact, url, linkIndex: 3 }));
    signed.add(normalizeDestination(url)!);
  }
});

async function storedFor(id: string): Promise<{ events: number; suppressed: number }> {
  const events = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE campaign_id = ?").bind(id).first<{ n: number }>();
  const suppressed = await env.DB.prepare("SELECT count(*) AS n FROM suppressions WHERE email = ?").bind(contact).first<{ n: number }>();
  return { events: events?.n ?? 0, suppressed: suppressed?.n ?? 0 };
}

/** What every answer must satisfy, whatever was sent. */
function expectSafe(response: Response): void {
  expect(response.status).toBeLessThan(500);
  if (response.status >= 300 && response.status < 400) expect(signed.has(response.headers.get("location") ?? "")).toBe(true);
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("");

/** A valid token changed a little: a character replaced, dropped or added, cut short, grown, or glued to another. */
function mutated(valid: () => string[]): fc.Arbitrary<{ original: string; token: string }> {
  return fc
    .record({
      which: fc.nat(),
      op: fc.constantFrom("replace", "delete", "insert", "truncate", "append", "concat", "tamper", "case"),
      at: fc.nat(),
      ch: fc.oneof(fc.constantFrom(...BASE64URL), fc.constantFrom("=", "+", "/", ".", "%", "~", " ", "é")),
      extra: fc.string({ maxLength: 20 }),
    })
    .map(({ which, op, at, ch, extra }) => {
      const list = valid();
      const original = list[which % list.length]!;
      const i = at % original.length;
      const token = {
        replace: original.slice(0, i) + ch + original.slice(i + 1),
        delete: original.slice(0, i) + original.slice(i + 1),
        insert: original.slice(0, i) + ch + original.slice(i),
        truncate: original.slice(0, i),
        append: original + ch + extra,
        concat: original + list[(which + 1) % list.length]!,
        tamper: tamper(original, i),
        case: original.slice(0, i) + original.charAt(i).toUpperCase() + original.slice(i + 1).toLowerCase(),
      }[op]!;
      return { original, token };
    });
}

const allTokens = () => [tokens.open, tokens.unsubscribe, ...tokens.click];

describe("tokens", () => {
  it("a mutated token is answered safely at /o/, /c/ and /u/ and records nothing unless it is the original", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(allTokens), fc.constantFrom("/o/", "/c/", "/u/"), fc.boolean(), async ({ original, token }, route, gif) => {
        const path = route + encodeURIComponent(token) + (route === "/o/" && gif ? ".gif" : "");
        const { response, enqueued } = await call(new Request(ORIGIN + path, { redirect: "manual" }));
        expectSafe(response);
        const intact = token === original;
        if (route === "/o/") {
          // The pixel is always an image; only an intact open token records an open.
          expect(response.status).toBe(200);
          expect(response.headers.get("content-type")).toBe("image/gif");
          expect(enqueued).toHaveLength(intact && original === tokens.open ? 1 : 0);
        } else if (route === "/c/") {
          const isClick = tokens.click.includes(original);
          expect(response.status).toBe(intact && isClick ? 302 : 404);
          expect(enqueued).toHaveLength(intact && isClick ? 1 : 0);
        } else {
          // GET /u/ only shows a page; it never records anything.
          expect(response.status).toBe(intact && original === tokens.unsubscribe ? 200 : 404);
          expect(enqueued).toHaveLength(0);
        }
      }),
      RUNS,
    );
    expect((await storedFor(campaignId)).suppressed).toBe(0);
  });

  it("random text as a token never redirects, never fails, never records", async () => {
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,400}$/), fc.string({ unit: "grapheme", maxLength: 50 }));
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom("/o/", "/c/", "/u/"), fc.constantFrom("GET", "HEAD", "POST"), async (token, route, method) => {
        const init: RequestInit = { method, redirect: "manual" };
        if (method === "POST") init.body = "List-Unsubscribe=One-Click";
        if (method === "POST") init.headers = { "content-type": "application/x-www-form-urlencoded" };
        const { response, enqueued } = await call(new Request(ORIGIN + route + encodeURIComponent(token), init));
        expectSafe(response);
        expect(response.status).not.toBe(302);
        expect(enqueued).toEqual([]);
      }),
      RUNS,
    );
    expect((await storedFor(campaignId)).suppressed).toBe(0);
  });
});

describe("paths and headers", () => {
  it("random paths and methods anywhere never give a 5xx or a redirect, and record nothing", async () => {
    const path = fc.oneof(
      fc.webPath(),
      fc.tuple(fc.constantFrom("/o", "/c", "/u", "/api", "/api/links", "/api/suppressions", "/healthz", ""), fc.webPath()).map(([a, b]) => a + b),
      fc.array(fc.constantFrom("..", ".", "%2e%2e", "%2F", "//", "o", "c", "u", "api", "%00", "%ZZ", "links"), { maxLength: 6 }).map((p) => "/" + p.join("/")),
    );
    const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
    await fc.assert(
      fc.asyncProperty(path, method, fc.boolean(), async (p, m, authed) => {
        const headers = authed ? { authorization: `Bearer ${TEST_API_TOKEN}` } : undefined;
        const { response, enqueued } = await call(new Request(ORIGIN + p, { method: m, headers, redirect: "manual" }));
        expectSafe(response);
        expect(response.status).not.toBe(302);
        expect(enqueued).toEqual([]);
      }),
      RUNS,
    );
  });

  it("any headers on a valid click still redirect only to its signed destination, with one event", async () => {
    const value = fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());
    const headers = fc.dictionary(
      fc.constantFrom("user-agent", "cf-connecting-ip", "x-forwarded-for", "accept", "cookie", "referer", "host", "x-forwarded-host", "content-type", "range"),
      value,
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.nat(), async (h, which) => {
        const token = tokens.click[which % tokens.click.length]!;
        const { response, enqueued } = await call(new Request(`${ORIGIN}/c/${token}`, { headers: h, redirect: "manual" }));
        expect(response.status).toBe(302);
        expectSafe(response);
        expect(enqueued).toHaveLength(1);
      }),
      RUNS,
    );
  });

  it("a wrong or mangled bearer token is refused with 401 and changes nothing", async () => {
    const bearer = fc.oneof(
      fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x21-\x7e]/g, "")),
      fc.nat(TEST_API_TOKEN.length - 1).map((i) => TEST_API_TOKEN.slice(0, i)),
      fc.constant(TEST_API_TOKEN.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(bearer, fc.constantFrom("Bearer ", "bearer ", "Basic ", ""), async (b, scheme) => {
        fc.pre(b !== TEST_API_TOKEN);
        const request = new Request(`${ORIGIN}/api/suppressions`, {
          method: "POST",
          headers: { authorization: scheme + b, "content-type": "application/json" },
          body: JSON.stringify({ email: contact }),
        });
        const { response } = await call(request);
        expect(response.status).toBe(401);
      }),
      { numRuns: 50 },
    );
    expect((await storedFor(campaignId)).suppressed).toBe(0);
  });
});

describe("bodies", () => {
  const authed = { authorization: `Bearer ${TEST_API_TOKEN}` };
  const anyBody = fc.oneof(
    fc.jsonValue().map((j) => JSON.stringify(j)),
    fc.record({ campaignId: fc.oneof(fc.string(), fc.constant(campaignId)), contact: fc.oneof(fc.string(), fc.emailAddress()), url: fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom("javascript:alert(1)", "//evil.example/", "data:text/html,x")) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.string({ maxLength: 200 }),
  );
  const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "");

  it("POST /api/links with any body: 200 only with links for what was asked, else 4xx; minted clicks lead only where asked", async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, contentType, async (body, type) => {
        const { response, body: text } = await call(
          new Request(`${ORIGIN}/api/links`, { method: "POST", headers: { ...authed, "content-type": type }, body }),
        );
        expectSafe(response);
        if (response.status !== 200) {
          expect([400, 413]).toContain(response.status);
          expect(JSON.parse(text)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
          return;
        }
        const asked = JSON.parse(body) as { url?: string };
        const links = JSON.parse(text) as { click?: string };
        expect(links.click === undefined).toBe(asked.url === undefined);
        if (links.click) {
          // Following the minted link goes exactly where the caller asked, normalised, and nowhere else.
          const destination = normalizeDestination(asked.url!)!;
          signed.add(destination);
          const { response: click } = await call(new Request(links.click, { redirect: "manual" }));
          expect(click.headers.get("location")).toBe(destination);
        }
      }),
      RUNS,
    );
  });

  it("POST /api/suppressions with any body: 201 for an address, 4xx otherwise, and a refused body suppresses nothing", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM suppressions").first<{ n: number }>();
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyBody, fc.record({ email: fc.string(), reason: fc.string() }).map((o) => JSON.stringify(o))), contentType, async (body, type) => {
        const { response } = await call(new Request(`${ORIGIN}/api/suppressions`, { method: "POST", headers: { ...authed, "content-type": type }, body }));
        expectSafe(response);
        if (response.status === 201) created++;
        else expect([400, 413]).toContain(response.status);
      }),
      RUNS,
    );
    const after = await env.DB.prepare("SELECT count(*) AS n FROM suppressions").first<{ n: number }>();
    expect(after!.n - before!.n).toBeLessThanOrEqual(created);
  });

  it("POST /u/<valid token> with any body: 200 only for List-Unsubscribe=One-Click, and nothing stored otherwise", async () => {
    const form = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.dictionary(fc.constantFrom("List-Unsubscribe", "list-unsubscribe", "source", "x"), fc.constantFrom("One-Click", "one-click", "", "One-Click ", "yes")).map((d) =>
        new URLSearchParams(d).toString(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(form, contentType, async (body, type) => {
        const { response } = await call(new Request(`${ORIGIN}/u/${tokens.unsubscribe}`, { method: "POST", headers: { "content-type": type }, body }));
        expectSafe(response);
        const oneClick = type === "application/x-www-form-urlencoded" && new URLSearchParams(body).get("List-Unsubscribe") === "One-Click";
        if (oneClick) expect(response.status).toBe(200);
        else {
          expect([400, 413]).toContain(response.status);
          // Until the first real unsubscribe, nothing may be recorded for this address.
          if (!(await storedFor(campaignId)).suppressed) expect((await storedFor(campaignId)).events).toBe(0);
        }
      }),
      { numRuns: 80 },
    );
  });

  it.todo("POST /sns with random and mutated SNS bodies (issue #4): no 5xx, 403 for a bad signature, nothing enqueued");
});

describe("oversized bodies", () => {
  /** A 10 MB body that arrives in 16 KB chunks with no Content-Length, counting what the worker pulled. */
  function endless(): { body: ReadableStream<Uint8Array>; pulled: () => number } {
    let pulled = 0;
    const chunk = new Uint8Array(16 * 1024).fill(0x61);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 10 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { body, pulled: () => pulled };
  }

  const cases: Array<{ name: string; path: string; limit: number; headers: Record<string, string> }> = [
    { name: "POST /api/links", path: "/api/links", limit: 64 * 1024, headers: { authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json" } },
    { name: "POST /api/suppressions", path: "/api/suppressions", limit: 64 * 1024, headers: { authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json" } },
    { name: "POST /u/<token>", path: "/u/", limit: 8 * 1024, headers: { "content-type": "application/x-www-form-urlencoded" } },
  ];

  it.each(cases)("$name: a streamed body over the limit gets 413 after reading little more than the limit", async ({ path, limit, headers }) => {
    const { body, pulled } = endless();
    const url = ORIGIN + (path === "/u/" ? path + tokens.unsubscribe : path);
    const { response, enqueued } = await call(new Request(url, { method: "POST", headers, body }));
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(limit + 4 * 16 * 1024);
    expect(enqueued).toEqual([]);
  });

  it.each(cases)("$name: a declared Content-Length over the limit gets 413 without reading the body", async ({ path, limit, headers }) => {
    const { body, pulled } = endless();
    const url = ORIGIN + (path === "/u/" ? path + tokens.unsubscribe : path);
    const { response } = await call(new Request(url, { method: "POST", headers: { ...headers, "content-length": String(limit * 4) }, body }));
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(4 * 16 * 1024);
  });
});
