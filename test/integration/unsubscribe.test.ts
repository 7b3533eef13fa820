// One-click unsubscribe (RFC 8058) and the confirm page.
import type { MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVENTS_QUEUE } from "../../src/config/queues";
import { faultyD1 } from "../support/faults";
import { api, drainEvents, eventsFor, get, getSettled, mint, uniqueId, waitForEvents } from "../support/helpers";
import { messages, rideOut } from "../support/queue";

const ONE_CLICK = { "content-type": "application/x-www-form-urlencoded" };

async function suppressed(email: string) {
  const res = await api(`/suppressions?email=${encodeURIComponent(email)}`);
  return res.status === 200 ? res.json<{ reason: string; eventId: string }>() : null;
}

describe("POST /u/<token> (one-click)", () => {
  it("suppresses at once, answers 200 without a redirect, and repeating it is harmless", async () => {
    const campaignId = uniqueId("unsub");
    const email = `one.click+${campaignId}@Example.org`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    const res = await get(`/u/${token}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toContain("You are unsubscribed");
    // Immediately: no waiting for the queue.
    const first = await suppressed(email);
    expect(first).toMatchObject({ reason: "unsubscribe" });

    const again = await get(`/u/${token}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" });
    expect(again.status).toBe(200);
    expect(await suppressed(email)).toEqual(first);
    const rows = await eventsFor(campaignId);
    expect(rows.map((r) => r.type)).toEqual(["unsubscribe"]);
    expect(JSON.parse(rows[0]!.metadata!)).toEqual({ via: "one-click" });
  });

  it("accepts multipart/form-data too", async () => {
    const campaignId = uniqueId("unsub-mp");
    const email = `multi@${campaignId}.example`;
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    const res = await get(`/u/${token}`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(await suppressed(email)).toMatchObject({ reason: "unsubscribe" });
  });

  it("refuses a body without List-Unsubscribe=One-Click with 400 and changes nothing", async () => {
    const campaignId = uniqueId("unsub-bad");
    const email = `nobody@${campaignId}.example`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    for (const [body, headers] of [
      ["", ONE_CLICK],
      ["List-Unsubscribe=Yes", ONE_CLICK],
      ['{"List-Unsubscribe":"One-Click"}', { "content-type": "application/json" }],
    ] as const) {
      const res = await get(`/u/${token}`, { method: "POST", headers, body });
      expect(res.status, body).toBe(400);
      expect((await res.json<{ message: string }>()).message).toMatch(/List-Unsubscribe=One-Click/);
    }
    // Neither applied nor on its way: whatever these requests enqueued has been stored once the queue has drained.
    await drainEvents();
    expect(await suppressed(email)).toBeNull();
    expect(await eventsFor(campaignId)).toEqual([]);
  });

  it("answers 404 for a bad token or a token of another kind, and suppresses nothing", async () => {
    const campaignId = uniqueId("unsub-404");
    const email = `victim@${campaignId}.example`;
    const open = await mint({ kind: "open", campaignId, contact: email });
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    for (const t of [open, token.slice(0, -4), "garbage"]) {
      const res = await get(`/u/${t}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" });
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain(email);
      expect(text).not.toContain(campaignId);
    }
    await drainEvents();
    expect(await suppressed(email)).toBeNull();
    expect(await eventsFor(campaignId)).toEqual([]);
  });
});

describe("GET /u/<token> (the page)", () => {
  it("shows the address and campaign with a confirm button, and unsubscribes only after confirming", async () => {
    const campaignId = uniqueId("page");
    const email = `o'brien.${campaignId}@example.com`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    const page = await get(`/u/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain(`<html lang="en">`);
    expect(html).toContain(campaignId);
    expect(html).toContain("o&#39;brien."); // escaped, never raw markup
    expect(html).toMatch(/<form method="post">[\s\S]*name="List-Unsubscribe" value="One-Click"[\s\S]*<button type="submit">Unsubscribe<\/button>/);
    await drainEvents();
    expect(await suppressed(email)).toBeNull();
    expect(await eventsFor(campaignId)).toEqual([]);

    const confirm = await get(`/u/${token}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click&source=page" });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("You are unsubscribed");
    expect(await suppressed(email)).toMatchObject({ reason: "unsubscribe" });
    const [row] = await eventsFor(campaignId);
    expect(JSON.parse(row!.metadata!)).toEqual({ via: "page" });
  });

  it("answers a bad token with a 404 page that reveals nothing", async () => {
    const res = await get("/u/AQEDBGRlbW8Qbm9ib2R5QGV4YW1wbGUuY29tAAAA");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Link not found");
  });
});

describe("the unsubscribe event", () => {
  it("reaches the events table once, also when the same event comes through the queue", async () => {
    const campaignId = uniqueId("unsub-q");
    const email = `q@${campaignId}.example`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    await get(`/u/${token}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" });
    const [row] = await eventsFor(campaignId);
    const body = {
      v: 1,
      events: [{ id: row!.id, type: "unsubscribe", campaignId, contactId: email, email, sesMessageId: null, occurredAt: row!.occurred_at }],
    };
    await env.EVENTS.send(body);
    await env.EVENTS.send({ v: 1, events: [{ ...body.events[0], id: `control-${campaignId}`, type: "open" }] });
    await waitForEvents(campaignId, 2);
    expect((await eventsFor(campaignId)).map((r) => r.type).sort()).toEqual(["open", "unsubscribe"]);
  });
});

/** A queue binding that keeps what is sent to it (as Queues would, durably), or refuses everything. */
function queueThat(accepts: boolean) {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => {
      if (!accepts) throw new Error("injected fault: queue unavailable");
      sent.push(body);
    },
    sendBatch: async () => {
      throw new Error("not used here");
    },
  } as unknown as Queue;
  return { queue, sent };
}

const d1Down = () => faultyD1(env.DB, () => true);

describe("one-click unsubscribe while storage is down", () => {
  it("answers 200 once the queue holds it, and the queue stores it after an outage of D1 longer than an hour", async () => {
    const campaignId = uniqueId("unsub-d1-down");
    const email = `Outage.${campaignId}@Example.org`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    const { queue, sent } = queueThat(true);

    const res = await getSettled(
      `/u/${token}`,
      { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" },
      { ...env, DB: d1Down(), EVENTS: queue },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You are unsubscribed");
    // The "done" page was answered because the queue had the event, not because D1 did.
    expect(sent).toHaveLength(1);
    expect(await suppressed(email)).toBeNull();

    // The queue delivers it while D1 stays down for 65 minutes: it must still be there, and stored once, after.
    const batch: MessageBatchMessage[] = messages(sent);
    await rideOut(EVENTS_QUEUE, batch, () => ({ ...env, DB: d1Down() }), 65 * 60);
    expect(await suppressed(email)).toMatchObject({ reason: "unsubscribe" });
    expect((await eventsFor(campaignId)).map((r) => r.type)).toEqual(["unsubscribe"]);
  });

  it("answers 503, never the done page, when neither D1 nor the queue can take it; nothing is recorded", async () => {
    const campaignId = uniqueId("unsub-all-down");
    const email = `nowhere@${campaignId}.example`;
    const token = await mint({ kind: "unsubscribe", campaignId, contact: email });
    const { queue } = queueThat(false);

    const res = await getSettled(
      `/u/${token}`,
      { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" },
      { ...env, DB: d1Down(), EVENTS: queue },
    );
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain("You are unsubscribed");
    await drainEvents();
    expect(await suppressed(email)).toBeNull();
    expect(await eventsFor(campaignId)).toEqual([]);

    // The mail client's retry, once storage is back, is the one that unsubscribes.
    const again = await get(`/u/${token}`, { method: "POST", headers: ONE_CLICK, body: "List-Unsubscribe=One-Click" });
    expect(again.status).toBe(200);
    expect(await suppressed(email)).toMatchObject({ reason: "unsubscribe" });
  });
});
