// The tracking edge through the worker: pixel, click redirect, HEAD, health check, and what gets recorded.
import { describe, expect, it } from "vitest";
import { PIXEL_GIF } from "../../src/tracking/pixel";
import { decodeBase64Url, encodeBase64Url } from "../../src/lib/base64url";
import { drainEvents, eventsFor, get, getSettled, mint, uniqueId, waitForEvents } from "../support/helpers";

const GIF_BYTES = [
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00,
  0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

async function expectPixel(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/gif");
  expect(res.headers.get("cache-control")).toBe("no-store, no-cache, must-revalidate, private");
  expect(res.headers.get("pragma")).toBe("no-cache");
  expect(res.headers.get("expires")).toBe("0");
  expect([...new Uint8Array(await res.arrayBuffer())]).toEqual(GIF_BYTES);
}

function tamper(token: string): string {
  const bytes = decodeBase64Url(token)!;
  bytes[5]! ^= 0x01;
  return encodeBase64Url(bytes);
}

describe("GET /o/<token>", () => {
  it("answers the constant 1x1 GIF, with or without .gif, and records an open per network, its IP cut to the /24", async () => {
    expect(PIXEL_GIF.byteLength).toBe(43);
    const campaignId = uniqueId("pix");
    const token = await mint({ kind: "open", campaignId, contact: "Reader@Example.COM", messageId: "m-1" });
    await expectPixel(await get(`/o/${token}.gif`, { headers: { "user-agent": "Mozilla/5.0 Test", "cf-connecting-ip": "203.0.113.9" } }));
    await expectPixel(await get(`/o/${token}`));
    const rows = await waitForEvents(campaignId, 2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      type: "open",
      campaign_id: campaignId,
      contact_id: "reader@example.com",
      email: "Reader@Example.COM",
      user_agent: "Mozilla/5.0 Test",
      ip: "203.0.113.0",
      link: null,
    });
    expect(JSON.parse(rows[0]!.metadata!)).toEqual({ messageId: "m-1" });
    expect(rows[0]!.id).not.toBe(rows[1]!.id);
  });

  it("answers the GIF for invalid tokens too, and records nothing for them", async () => {
    const campaignId = uniqueId("pix-bad");
    const good = await mint({ kind: "open", campaignId, contact: "a@example.com" });
    const click = await mint({ kind: "click", campaignId, contact: "a@example.com", url: "https://example.com/" });
    for (const path of [`/o/${tamper(good)}.gif`, `/o/${good.slice(0, -3)}`, "/o/not-a-token", `/o/${click}.gif`, "/o/%00%ff"]) {
      await expectPixel(await getSettled(path));
    }
    await get(`/o/${good}.gif`);
    await waitForEvents(campaignId, 1);
    // Whatever the invalid requests enqueued was on the queue before this: once it drained, nothing is on the way.
    await drainEvents();
    expect((await eventsFor(campaignId)).map((r) => r.type)).toEqual(["open"]);
  });

  it("answers HEAD like GET, and records it as a machine's open or click (head_request)", async () => {
    const campaignId = uniqueId("pix-head");
    const token = await mint({ kind: "open", campaignId, contact: "a@example.com" });
    const head = await getSettled(`/o/${token}.gif`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("image/gif");
    expect(head.headers.get("cache-control")).toContain("no-store");
    expect(await head.text()).toBe("");
    const clickToken = await mint({ kind: "click", campaignId, contact: "a@example.com", url: "https://example.com/x" });
    const headClick = await getSettled(`/c/${clickToken}`, { method: "HEAD" });
    expect(headClick.status).toBe(302);
    expect(headClick.headers.get("location")).toBe("https://example.com/x");
    const rows = await waitForEvents(campaignId, 2);
    expect(rows.map((r) => [r.type, r.machine, r.machine_reason]).sort()).toEqual([
      ["click", 1, "head_request"],
      ["open", 1, "head_request"],
    ]);
  });
});

describe("GET /c/<token>", () => {
  it("redirects 302 to the signed destination and records the click, its IP cut to the /48", async () => {
    const campaignId = uniqueId("clk");
    const url = "https://shop.example.com/item?id=9&utm_campaign=spring";
    const token = await mint({ kind: "click", campaignId, contact: "b@example.com", url, linkIndex: 4 });
    const res = await get(`/c/${token}`, { headers: { "user-agent": "UA/1.0", "cf-connecting-ip": "2001:db8::1" } });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(url);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const [row] = await waitForEvents(campaignId, 1);
    expect(row).toMatchObject({ type: "click", link: url, link_index: 4, user_agent: "UA/1.0", ip: "2001:db8::", contact_id: "b@example.com" });
  });

  it("answers 404 with a page, never a redirect, for any bad token, and records nothing", async () => {
    const campaignId = uniqueId("clk-bad");
    const token = await mint({ kind: "click", campaignId, contact: "c@example.com", url: "https://example.com/ok" });
    const open = await mint({ kind: "open", campaignId, contact: "c@example.com" });
    const bad = [tamper(token), token.slice(0, -1), token.slice(0, 20), open, "", "https%3A%2F%2Fevil.example"];
    for (const t of bad) {
      const res = await getSettled(`/c/${t}`);
      expect(res.status, t).toBe(404);
      expect(res.headers.get("location")).toBeNull();
      if (t) expect(await res.text()).toContain("Link not found");
    }
    const evil = await getSettled(`/c/${token.slice(0, -2)}?next=https://evil.example/`, { headers: { referer: "https://evil.example/" } });
    expect(evil.headers.get("location")).toBeNull();
    // Whatever the query says, a valid token leads only where it was signed to.
    const withQuery = await get(`/c/${token}?url=https://evil.example/&next=https://evil.example/`);
    expect(withQuery.headers.get("location")).toBe("https://example.com/ok");
    // Positive control: the real token still works and is the only click stored (the requests above and below carry
    // the same token from the same client: one click, or two if a minute's window ended between them).
    expect((await get(`/c/${token}`)).status).toBe(302);
    await waitForEvents(campaignId, 1);
    await drainEvents();
    expect([...new Set((await eventsFor(campaignId)).map((r) => r.link))]).toEqual(["https://example.com/ok"]);
  });
});

describe("GET /healthz", () => {
  it("answers ok", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });
});
