// POST /api/links and the API's bearer auth and JSON errors.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeBase64Url } from "../../src/lib/base64url";
import { MAX_URL_BYTES, normalizeDestination } from "../../src/domain/destination";
import { api, get, ORIGIN, uniqueId, waitForEvents } from "../support/helpers";

describe("API authentication", () => {
  it("answers 401 with a JSON reason for a missing, malformed or wrong token", async () => {
    for (const authorization of ["", "Basic abc", "Bearer", "Bearer wrong-token", "Bearer test-api-token-0123456789abcdeX"]) {
      const res = await api("/links", { method: "POST", headers: { authorization }, json: { campaignId: "c", contact: "a@b.co" } });
      expect(res.status, authorization).toBe(401);
      const body = await res.json<{ error: string; message: string }>();
      expect(body.error).toBe("unauthorized");
      expect(body.message).toMatch(/Bearer|not valid/);
    }
  });

  it("answers unknown API routes with a JSON 404 once authenticated, and 401 before", async () => {
    const res = await api("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
    const anon = await exports.default.fetch(`${ORIGIN}/api/nope`);
    expect(anon.status).toBe(401);
  });
});

describe("POST /api/links", () => {
  it("mints version-2 tokens: none of pixel, click or unsubscribe URL reveals the address, the campaign or the destination", async () => {
    const campaignId = uniqueId("opaque");
    const res = await api("/links", { method: "POST", json: { campaignId, contact: "Reader@Example.com", url: "https://example.com/offer?a=1" } });
    const links = await res.json<{ pixel: string; click: string; unsubscribe: string }>();
    for (const url of [links.pixel, links.click, links.unsubscribe]) {
      const token = new URL(url).pathname.replace(/^\/[ocu]\//, "").replace(/\.gif$/, "");
      const bytes = decodeBase64Url(token)!;
      expect(bytes[0], url).toBe(2);
      const text = new TextDecoder("latin1").decode(bytes).toLowerCase();
      for (const secret of ["reader@example.com", "reader", campaignId.toLowerCase(), "example.com/offer"]) expect(text, url).not.toContain(secret);
    }
  });

  it("mints a pixel and a click URL that work end to end", async () => {
    const campaignId = uniqueId("links");
    const res = await api("/links", { method: "POST", json: { campaignId, contact: "Reader@Example.com", url: "https://example.com/offer?a=1" } });
    expect(res.status).toBe(200);
    const links = await res.json<{ pixel: string; click: string }>();
    expect(links.pixel).toMatch(new RegExp(`^${ORIGIN}/o/[A-Za-z0-9_-]+\\.gif$`));
    expect(links.click).toMatch(new RegExp(`^${ORIGIN}/c/[A-Za-z0-9_-]+$`));

    expect((await get(new URL(links.pixel).pathname)).status).toBe(200);
    const click = await get(new URL(links.click).pathname);
    expect(click.headers.get("location")).toBe("https://example.com/offer?a=1");
    const rows = await waitForEvents(campaignId, 2);
    expect(rows.map((r) => r.type).sort()).toEqual(["click", "open"]);
    expect(rows.every((r) => r.contact_id === "reader@example.com")).toBe(true);
  });

  it("mints no click URL when no url is given, and always the unsubscribe URL and headers", async () => {
    const res = await api("/links", { method: "POST", json: { campaignId: "c1", contact: "a@example.com" } });
    const body = await res.json<Record<string, unknown>>();
    expect(body).toEqual({
      pixel: expect.stringMatching(new RegExp(`^${ORIGIN}/o/`)),
      unsubscribe: expect.stringMatching(new RegExp(`^${ORIGIN}/u/[A-Za-z0-9_-]+$`)),
      headers: { "List-Unsubscribe": `<${body.unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    });
  });

  it("answers 400 with the reason for bad input", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ campaignId: "c1", contact: "not-an-email" }, /contact/],
      [{ campaignId: "", contact: "a@example.com" }, /campaignId/],
      [{ campaignId: "has space", contact: "a@example.com" }, /campaignId/],
      [{ campaignId: "c1", contact: "a@example.com", url: "javascript:alert(1)" }, /url/],
      [{ campaignId: "c1", contact: "a@example.com", url: "/relative" }, /url/],
      [{ contact: "a@example.com" }, /campaignId/],
      [[1, 2], /object|Invalid/i],
    ];
    for (const [json, reason] of cases) {
      const res = await api("/links", { method: "POST", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      const body = await res.json<{ error: string; message: string }>();
      expect(body.error).toBe("validation_failed");
      expect(body.message).toMatch(reason);
    }
    const notJson = await api("/links", { method: "POST", body: "{nope", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: "invalid_json" });
  });

  it("answers 400, not 500, for a URL whose normalised form is over the 4096-byte limit, and mints one just under it", async () => {
    // 1,000 characters given, 6,000 bytes signed: the URL parser percent-encodes each "é" as %C3%A9.
    const grows = `https://example.com/${"é".repeat(1000)}`;
    expect(grows.length).toBeLessThan(MAX_URL_BYTES);
    expect(normalizeDestination(grows)!.length).toBeGreaterThan(MAX_URL_BYTES);
    for (const url of [grows, `https://example.com/${"{".repeat(1400)}`]) {
      const res = await api("/links", { method: "POST", json: { campaignId: "c1", contact: "a@example.com", url } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "validation_failed", message: expect.stringMatching(/url.*4096 bytes/) });
    }
    // At the limit exactly it is minted, and the click leads there.
    const path = "/" + "a".repeat(MAX_URL_BYTES - "https://example.com/".length);
    const atLimit = `https://example.com${path}`;
    expect(new TextEncoder().encode(normalizeDestination(atLimit)!).length).toBe(MAX_URL_BYTES);
    const res = await api("/links", { method: "POST", json: { campaignId: "c1", contact: "a@example.com", url: atLimit } });
    expect(res.status).toBe(200);
    const { click } = await res.json<{ click: string }>();
    expect((await get(new URL(click).pathname)).headers.get("location")).toBe(atLimit);
  });

  it("refuses an oversized body with 413 before reading it whole", async () => {
    const res = await api("/links", { method: "POST", body: "x".repeat(70_000), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "payload_too_large" });
    // Streamed without a Content-Length: still cut off.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode("y".repeat(1024)));
        controller.close();
      },
    });
    const streamed = await api("/links", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });
});
