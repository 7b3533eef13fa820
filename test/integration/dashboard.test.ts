// /dashboard through the worker: sign-in and sign-out, the session cookie's rules, /dashboard/api against /api, CSP.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mintSession, SESSION_TTL_SECONDS } from "../../src/dashboard/session";
import { SIGN_IN_ATTEMPTS, SIGN_IN_WINDOW_MS } from "../../src/dashboard/sign-in-limit";
import { applyEvents } from "../../src/pipeline/apply";
import { api, ORIGIN, sampleEvent, uniqueId } from "../support/helpers";
import { TEST_API_TOKEN } from "../support/secrets";

const COOKIE = "__Host-mt_session";
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function request(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(ORIGIN + path, { redirect: "manual", ...init }));
}

function signInForm(token: string, next = "/dashboard", origin: string | null = ORIGIN): Promise<Response> {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  if (origin !== null) headers.set("origin", origin);
  return request("/dashboard/session", { method: "POST", headers, body: new URLSearchParams({ token, next }).toString() });
}

/** Signs in through the form and answers the session cookie as a browser would send it back. */
async function signIn(): Promise<string> {
  const res = await signInForm(TEST_API_TOKEN);
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!;
  return cookie.slice(0, cookie.indexOf(";"));
}

function withCookie(cookie: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("cookie", cookie);
  return { ...init, headers };
}

const PAGES = ["/dashboard", "/dashboard/campaigns/spring-sale", "/dashboard/contacts?email=a%40example.com", "/dashboard/suppressions"];

describe("signing in", () => {
  it("sends a visit without a session to the sign-in page, which remembers where it was going", async () => {
    for (const path of PAGES) {
      const res = await request(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe(`/dashboard/sign-in?next=${encodeURIComponent(path)}`);
    }
    expect((await request("/dashboard/")).headers.get("location")).toBe("/dashboard");
    const page = await request("/dashboard/sign-in?next=%2Fdashboard%2Fsuppressions");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="\/dashboard\/session">/);
    expect(html).toContain('<input type="hidden" name="next" value="/dashboard/suppressions">');
    expect(html).toMatch(/<label for="token">API token<\/label>\s*<input id="token" name="token" type="password"/);
  });

  it("sets an HttpOnly, Secure, SameSite=Strict session cookie for the right token and redirects to the page asked for", async () => {
    const res = await signInForm(TEST_API_TOKEN, "/dashboard/campaigns/spring-sale");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/campaigns/spring-sale");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^${COOKIE}=v1\\.[^;]+; Max-Age=${SESSION_TTL_SECONDS}; Path=/; HttpOnly; Secure; SameSite=Strict$`));
    expect(cookie).not.toContain(TEST_API_TOKEN);
    expect(res.headers.get("location")).not.toContain(TEST_API_TOKEN);
  });

  it("refuses a wrong token with 401, sets no cookie and does not echo the token", async () => {
    for (const token of ["wrong-token", `${TEST_API_TOKEN}x`, ""]) {
      const res = await signInForm(token);
      expect(res.status, token).toBe(401);
      expect(res.headers.get("set-cookie"), token).toBeNull();
      const html = await res.text();
      expect(html).toContain("Wrong token: that is not the API token of this deployment.");
      if (token) expect(html).not.toContain(token);
    }
  });

  it("refuses a sign-in posted from another origin or with no Origin (login CSRF)", async () => {
    for (const origin of ["https://evil.example", "null", null]) {
      const res = await signInForm(TEST_API_TOKEN, "/dashboard", origin);
      expect(res.status, String(origin)).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("never redirects anywhere but a dashboard page of this origin after sign-in", async () => {
    for (const next of ["https://evil.example/", "//evil.example/dashboard", "/api/campaigns", "/dashboard//evil.example", "javascript:alert(1)"]) {
      const res = await signInForm(TEST_API_TOKEN, next);
      expect(res.headers.get("location"), next).toBe("/dashboard");
    }
  });

  it("signs out: the cookie is cleared and the pages ask for the token again", async () => {
    const cookie = await signIn();
    expect((await request("/dashboard", withCookie(cookie))).status).toBe(200);
    const out = await request("/dashboard/sign-out", withCookie(cookie, { method: "POST", headers: { origin: ORIGIN } }));
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/dashboard/sign-in");
    expect(out.headers.get("set-cookie")).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict$`));
  });
});

describe("sign-in attempts per network", () => {
  function fromIp(ip: string, token: string): Promise<Response> {
    const headers = new Headers({ "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "cf-connecting-ip": ip });
    return request("/dashboard/session", { method: "POST", headers, body: new URLSearchParams({ token, next: "/dashboard" }).toString() });
  }

  async function stored(network: string) {
    return env.DB.prepare("SELECT attempts, window_start FROM sign_in_attempts WHERE network = ?")
      .bind(network)
      .first<{ attempts: number; window_start: number }>();
  }

  it(`refuses the ${SIGN_IN_ATTEMPTS + 1}th attempt of a window from the same /24 with 429 and Retry-After, a right token too, and counts in D1`, async () => {
    const wrong = await Promise.all(Array.from({ length: SIGN_IN_ATTEMPTS }, (_, i) => fromIp(`203.0.113.${i + 1}`, `wrong-${i}`)));
    expect(wrong.map((r) => r.status)).toEqual(Array(SIGN_IN_ATTEMPTS).fill(401));
    // The count lives in D1, not in one isolate's memory.
    expect(await stored("203.0.113.0")).toMatchObject({ attempts: SIGN_IN_ATTEMPTS });

    for (const token of ["wrong-again", TEST_API_TOKEN]) {
      const res = await fromIp("203.0.113.200", token);
      expect(res.status, token).toBe(429);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(SIGN_IN_WINDOW_MS / 1000 - 60);
      expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_WINDOW_MS / 1000);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain("Too many sign-in attempts from your network");
    }
    // Another network is not affected.
    expect((await fromIp("198.51.100.7", TEST_API_TOKEN)).status).toBe(303);

    // Once the window has passed (its start moved back by a window), the right token signs in again.
    await env.DB.prepare("UPDATE sign_in_attempts SET window_start = window_start - ? WHERE network = ?")
      .bind(SIGN_IN_WINDOW_MS, "203.0.113.0")
      .run();
    const again = await fromIp("203.0.113.9", TEST_API_TOKEN);
    expect(again.status).toBe(303);
    expect(again.headers.get("set-cookie")).toContain(COOKIE);
    // The expired window was deleted; the right token gave its attempt back.
    expect(await stored("203.0.113.0")).toMatchObject({ attempts: 0 });
  });

  it("bounds parallel guesses: of many at once, only the limit are compared", async () => {
    const tries = SIGN_IN_ATTEMPTS + 15;
    const answers = await Promise.all(Array.from({ length: tries }, (_, i) => fromIp(`2001:db8:aa:1::${(i + 1).toString(16)}`, `guess-${i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(SIGN_IN_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(tries - SIGN_IN_ATTEMPTS);
    // The whole /48 shares the count.
    expect((await fromIp("2001:db8:aa:ffff::1", TEST_API_TOKEN)).status).toBe(429);
  });

  it("does not count right tokens: a person signing in often is never locked out", async () => {
    for (let i = 0; i < SIGN_IN_ATTEMPTS + 5; i++) expect((await fromIp("192.0.2.10", TEST_API_TOKEN)).status).toBe(303);
    expect((await fromIp("192.0.2.10", "wrong")).status).toBe(401);
  });
});

describe("the session cookie", () => {
  it("opens every page, and each page sends the strict Content-Security-Policy and loads only this origin's files", async () => {
    const cookie = await signIn();
    for (const path of [...PAGES, "/dashboard/sign-in"]) {
      const res = await request(path, withCookie(cookie));
      if (path === "/dashboard/sign-in") {
        expect(res.status).toBe(303); // already signed in
        continue;
      }
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toBe(DASHBOARD_CSP);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      // Not no-referrer: with it, browsers send `Origin: null` on the pages' own form posts and the Origin check refuses them.
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      // No inline script or style anywhere: every script and stylesheet is a file from /dashboard/static/.
      expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/dashboard/static/app.js">']);
      expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    }
  });

  it("is never accepted by the JSON API: /api/* answers 401 to a cookie without the bearer token", async () => {
    const cookie = await signIn();
    for (const path of ["/api/campaigns", "/api/suppressions", "/api/contacts/a%40example.com/events", "/api/dead-letters"]) {
      const res = await request(path, withCookie(cookie));
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: "unauthorized" });
    }
  });

  it("refuses a forged, tampered, expired or other-token session on pages and data", async () => {
    const good = (await signIn()).slice(COOKIE.length + 1);
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
    const [, issued, expires] = good.split(".");
    const longer = good.replace(`.${expires}.`, `.${Number(expires) + 3600}.`);
    const expired = (await mintSession(TEST_API_TOKEN, Date.now() - (SESSION_TTL_SECONDS + 1) * 1000)).value;
    const otherToken = (await mintSession("a-rotated-api-token-0123456789")).value;
    const bad = {
      "tampered tag": flip(good, good.length - 3),
      "tampered nonce": flip(good, good.lastIndexOf(".") - 3),
      "expiry pushed back": longer,
      "issued earlier": good.replace(`v1.${issued}.`, `v1.${Number(issued) - 60}.`),
      expired,
      "signed by another API_TOKEN": otherToken,
      "the API token itself": TEST_API_TOKEN,
      empty: "",
    };
    for (const [what, value] of Object.entries(bad)) {
      const cookie = `${COOKIE}=${value}`;
      const page = await request("/dashboard", withCookie(cookie));
      expect(page.status, what).toBe(303);
      expect(page.headers.get("location"), what).toMatch(/^\/dashboard\/sign-in/);
      const data = await request("/dashboard/api/campaigns", withCookie(cookie));
      expect(data.status, what).toBe(401);
      expect(await data.json()).toMatchObject({ error: "unauthorized" });
    }
    // Without the __Host- prefix a cookie could have been set by another host of the domain: it is not read.
    expect((await request("/dashboard/api/campaigns", withCookie(`mt_session=${good}`))).status).toBe(401);
  });
});

describe("/dashboard/api", () => {
  it("answers what /api answers with the bearer token, for each data read", async () => {
    const campaignId = uniqueId("dash");
    const contact = `${uniqueId("reader")}@example.com`;
    const at = Date.UTC(2098, 5, 1, 10);
    await applyEvents(env, [
      sampleEvent({ campaignId, type: "send", contactId: contact, email: contact, occurredAt: at }),
      sampleEvent({ campaignId, type: "delivery", contactId: contact, email: contact, occurredAt: at + 1000 }),
      sampleEvent({
        campaignId,
        type: "click",
        contactId: contact,
        email: contact,
        occurredAt: at + 7_200_000,
        link: "https://shop.example.com/",
        linkIndex: 0,
      }),
      sampleEvent({ campaignId, type: "complaint", contactId: contact, email: contact, occurredAt: at + 90_000_000 }),
    ]);
    const cookie = await signIn();
    const email = encodeURIComponent(contact);
    for (const path of [
      "/campaigns?limit=5",
      `/campaigns/${campaignId}/stats`,
      `/campaigns/${campaignId}/timeline?bucket=day`,
      `/campaigns/${campaignId}/timeline`,
      `/campaigns/${campaignId}/links`,
      `/campaigns/${campaignId}/audience`,
      `/campaigns/${campaignId}/providers`,
      `/campaigns/${campaignId}/recipients?engaged=human`,
      `/contacts/${email}/events?limit=2`,
      `/suppressions?email=${email}`,
      `/suppressions?q=${encodeURIComponent(contact.slice(0, 12).toUpperCase())}`,
      "/suppressions?limit=1",
      `/campaigns/${campaignId}/timeline?bucket=week`,
      "/campaigns?cursor=nonsense",
    ]) {
      const viaDashboard = await request(`/dashboard/api${path}`, withCookie(cookie));
      const viaApi = await api(path);
      expect(viaDashboard.status, path).toBe(viaApi.status);
      expect(await viaDashboard.json(), path).toEqual(await viaApi.json());
      expect(viaDashboard.headers.get("cache-control"), path).toBe("no-store");
    }
    // One difference, for the contact lookup: an address that is not suppressed is 200 null, not the API's 404.
    const unknown = encodeURIComponent(`${uniqueId("nobody")}@example.com`);
    expect((await api(`/suppressions?email=${unknown}`)).status).toBe(404);
    const lookup = await request(`/dashboard/api/suppressions?email=${unknown}`, withCookie(cookie));
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toBeNull();
    const stats = await (await request(`/dashboard/api/campaigns/${campaignId}/stats`, withCookie(cookie))).json();
    expect(stats).toMatchObject({ sent: 1, delivered: 1, complaints: 1, clicks: { total: 1, unique: 1 } });
    // The campaign page's download: the CSV streams through as the API wrote it, an attachment.
    const csv = await request(`/dashboard/api/campaigns/${campaignId}/recipients?engaged=human&format=csv`, withCookie(cookie));
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect((await csv.text()).split("\r\n")[1]).toMatch(new RegExp(`^${contact.replaceAll(".", "\\.")},`));
  });

  it("offers only the dashboard's reads: sending, minting, rebuilding and dead letters are not reachable with a cookie", async () => {
    const cookie = await signIn();
    for (const [method, path] of [
      ["POST", "/send"],
      ["POST", "/links"],
      ["POST", "/suppressions"],
      ["POST", "/campaigns/x/rebuild"],
      ["POST", "/campaigns/x/send"],
      ["PUT", "/campaigns/x/settings"],
      ["GET", "/dead-letters"],
      ["GET", "/segments?did=open"],
    ] as const) {
      const res = await request(
        `/dashboard/api${path}`,
        withCookie(cookie, { method, headers: { origin: ORIGIN, "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" }),
      );
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toMatchObject({ error: "not_found" });
    }
  });

  it("lifts a suppression only for a request from a dashboard page of this origin", async () => {
    const email = `${uniqueId("lift")}@example.com`;
    expect((await api("/suppressions", { method: "POST", json: { email } })).status).toBe(201);
    const cookie = await signIn();
    const path = `/dashboard/api/suppressions/${encodeURIComponent(email)}`;
    for (const origin of [null, "https://evil.example"]) {
      const headers: Record<string, string> = origin ? { origin } : {};
      const refused = await request(path, withCookie(cookie, { method: "DELETE", headers }));
      expect(refused.status, String(origin)).toBe(403);
      expect((await api(`/suppressions?email=${encodeURIComponent(email)}`)).status).toBe(200);
    }
    // hono/csrf alone would let a JSON body through: the rule covers every body type, and the refusal is JSON.
    const json: Record<string, string>[] = [
      { "content-type": "application/json" },
      { "content-type": "application/json", origin: "https://evil.example" },
    ];
    for (const headers of json) {
      const refused = await request(path, withCookie(cookie, { method: "DELETE", headers, body: "{}" }));
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(await refused.json()).toMatchObject({ error: "forbidden" });
    }
    expect((await request(path, { method: "DELETE", headers: { origin: ORIGIN } })).status).toBe(401);
    const lifted = await request(path, withCookie(cookie, { method: "DELETE", headers: { origin: ORIGIN } }));
    expect(lifted.status).toBe(204);
    expect((await api(`/suppressions?email=${encodeURIComponent(email)}`)).status).toBe(404);
  });
});

describe("GET /api/suppressions?q=", () => {
  it("lists only the addresses containing the text, in any case, a page at a time", async () => {
    const tag = uniqueId("find").toLowerCase();
    const emails = [`ann.${tag}@example.com`, `bob.${tag}@example.org`, `cy.${tag}@example.com`];
    for (const email of [...emails, `${uniqueId("other")}@example.com`]) await api("/suppressions", { method: "POST", json: { email } });
    const first = await (await api(`/suppressions?q=${encodeURIComponent(tag.toUpperCase())}&limit=2`)).json<{
      items: { email: string }[];
      cursor: string;
    }>();
    expect(first.items.map((s) => s.email)).toEqual(emails.slice(0, 2));
    const second = await (await api(`/suppressions?q=${encodeURIComponent(tag)}&limit=2&cursor=${first.cursor}`)).json<{
      items: { email: string }[];
      cursor: null;
    }>();
    expect(second).toEqual({ items: [expect.objectContaining({ email: emails[2] })], cursor: null });
    const dotCom = await (await api(`/suppressions?q=${encodeURIComponent(`${tag}@example.com`)}`)).json<{ items: { email: string }[] }>();
    expect(dotCom.items.map((s) => s.email)).toEqual([emails[0], emails[2]]);
    // % and _ are plain characters here, not wildcards.
    expect((await (await api(`/suppressions?q=${encodeURIComponent(`ann%${tag}`)}`)).json<{ items: unknown[] }>()).items).toEqual([]);
  });
});
