// The HTML pages a person sees: one "Link not found" page, and the security headers every answer but the pixel gets.
import { describe, expect, it } from "vitest";
import { api, get, mint } from "../support/helpers";
import { TEST_API_TOKEN } from "../support/secrets";

function csp(res: Response): Map<string, string> {
  const value = res.headers.get("content-security-policy") ?? "";
  return new Map(
    value
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources.join(" ")]),
  );
}

function expectPageHeaders(res: Response) {
  const policy = csp(res);
  expect(policy.get("default-src")).toBe("'none'");
  expect(policy.get("style-src")).toBe("'unsafe-inline'");
  expect(policy.get("form-action")).toBe("'self'");
  expect(policy.get("frame-ancestors")).toBe("'none'");
  expect(policy.get("base-uri")).toBe("'none'");
  expect(policy.has("script-src")).toBe(false);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  // The zone decides HSTS for its domain, not one worker on one hostname.
  expect(res.headers.get("strict-transport-security")).toBeNull();
}

describe("the link-not-found page", () => {
  it("is the same page, 404 and uncached, for a bad click link, a bad unsubscribe link and any path that is not a route", async () => {
    const open = await mint({ kind: "open", campaignId: "pages", contact: "a@example.com" });
    const answers = [await get("/c/not-a-token"), await get(`/c/${open}`), await get("/u/not-a-token"), await get("/favicon.ico"), await get("/")];
    const bodies = new Set<string>();
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("location")).toBeNull();
      expectPageHeaders(res);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain("<h1>Link not found</h1>");
  });

  it("is not given to API callers: an unknown /api route answers JSON", async () => {
    const res = await api("/no-such-route");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });
});

describe("security headers", () => {
  it("the unsubscribe pages get them, and their form posts back to their own URL", async () => {
    const token = await mint({ kind: "unsubscribe", campaignId: "pages", contact: "headers@example.com" });
    const page = await get(`/u/${token}`);
    expect(page.status).toBe(200);
    expectPageHeaders(page);
    expect(await page.text()).toMatch(/<form method="post">/);
  });

  it("the click redirect gets them too, and keeps its own no-referrer", async () => {
    const token = await mint({ kind: "click", campaignId: "pages", contact: "a@example.com", url: "https://example.com/x" });
    const res = await get(`/c/${token}`);
    expect(res.status).toBe(302);
    expectPageHeaders(res);
  });

  it("the pixel does not: mail clients load it from other origins (Cross-Origin-Resource-Policy would stop them)", async () => {
    const token = await mint({ kind: "open", campaignId: "pages", contact: "a@example.com" });
    const res = await get(`/o/${token}.gif`);
    expect(res.headers.get("content-type")).toBe("image/gif");
    expect(res.headers.get("cross-origin-resource-policy")).toBeNull();
    expect(res.headers.get("content-security-policy")).toBeNull();
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("bearer auth (hono/bearer-auth)", () => {
  it("refuses a missing, malformed or wrong token with 401 JSON and a WWW-Authenticate challenge", async () => {
    for (const authorization of [
      undefined,
      "Basic dXNlcjpwYXNz",
      "Bearer",
      "Bearer two words",
      `Bearer ${TEST_API_TOKEN}x`,
      `bearer ${TEST_API_TOKEN.toUpperCase()}`,
    ]) {
      const res = await get("/api/campaigns", { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("www-authenticate"), authorization).toMatch(/^Bearer /);
      expect(await res.json()).toEqual({ error: "unauthorized", message: expect.any(String) });
    }
    expect((await get("/api/campaigns", { headers: { authorization: `bearer ${TEST_API_TOKEN}` } })).status).toBe(200);
  });
});
