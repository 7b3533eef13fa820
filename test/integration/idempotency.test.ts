// Idempotency-Key on POST /api/send and POST /api/campaigns/<id>/send: repeats answer the first answer and send nothing.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { idempotencyDigest } from "../../src/privacy/idempotency-digest";
import { api, uniqueId, waitForEvents } from "../support/helpers";
import { MESSAGE } from "../support/send-queue";
import { mailCounts, mailsOnceArrived, mailsTo, routeSesThrough } from "../support/ses-faults";

afterEach(() => {
  vi.restoreAllMocks();
});

function sendBody(overrides: Record<string, unknown> = {}) {
  return {
    campaignId: uniqueId("idem"),
    to: `${uniqueId("ann")}@example.com`,
    from: "Shop <shop@example.com>",
    subject: "Your code",
    text: "123456",
    ...overrides,
  };
}

function send(json: unknown, key?: string) {
  return api("/send", { method: "POST", json, headers: key === undefined ? {} : { "Idempotency-Key": key } });
}

function campaignSend(campaignId: string, json: unknown, key?: string) {
  return api(`/campaigns/${campaignId}/send`, { method: "POST", json, headers: key === undefined ? {} : { "Idempotency-Key": key } });
}

/** The row a key is stored under: its keyed digest, never the key itself. */
function stored(key: string) {
  return idempotencyDigest({ erasureKey: env.ERASURE_KEY }, key);
}

async function answer(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /api/send with an Idempotency-Key", () => {
  it("sends once and answers a repeat with the first answer", async () => {
    const body = sendBody();
    const key = uniqueId("key");
    const first = await send(body, key);
    const firstAnswer = await answer(first);
    expect(firstAnswer.status).toBe(200);
    expect(first.headers.get("Idempotency-Key")).toBe(key);
    // The same request with its fields in another order is the same request.
    const again = await send(Object.fromEntries(Object.entries(body).reverse()), `"${key}"`);
    expect(await answer(again)).toEqual(firstAnswer);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await mailsTo(body.to)).toBe(1);
    expect(await waitForEvents(body.campaignId, 1)).toHaveLength(1);
  });

  it("refuses the key with another body (422) and sends nothing for it", async () => {
    const key = uniqueId("key");
    const body = sendBody();
    expect((await send(body, key)).status).toBe(200);
    const other = sendBody({ to: `${uniqueId("bo")}@example.com` });
    const res = await send(other, key);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "idempotency_key_reused", idempotencyKey: key });
    expect(await mailsTo(other.to)).toBe(0);
    expect(await mailsTo(body.to)).toBe(1);
  });

  it("answers 409 to a repeat while the first request is still running, and sends once", async () => {
    const body = sendBody();
    const key = uniqueId("key");
    routeSesThrough(() => "slow");
    const digest = await stored(key);
    const first = send(body, key);
    // The first request holds the key from before its SES call until its answer.
    await vi.waitUntil(() => env.DB.prepare("SELECT 1 AS held FROM idempotency_keys WHERE key = ? AND state = 'in_progress'").bind(digest).first(), {
      timeout: 5_000,
      interval: 10,
    });
    const second = await send(body, key);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: "idempotency_key_in_use", idempotencyKey: key });
    expect((await first).status).toBe(200);
    expect(await mailsTo(body.to)).toBe(1);
  });

  it("generates a key when none is given, and a repeat with it is a replay", async () => {
    const body = sendBody();
    const first = await send(body);
    const key = first.headers.get("Idempotency-Key")!;
    expect(key).toMatch(/^auto-/);
    const firstAnswer = await answer(first);
    expect(await answer(await send(body, key))).toEqual(firstAnswer);
    expect(await mailsTo(body.to)).toBe(1);
  });

  it("releases the key when nothing was sent (throttled), so a repeat sends, and the one after is a replay", async () => {
    const body = sendBody();
    const key = uniqueId("key");
    const seen = routeSesThrough(() => "throttle");
    expect((await send(body, key)).status).toBe(503);
    expect(seen.calls).toBe(4);
    vi.restoreAllMocks();
    const sent = await answer(await send(body, key));
    expect(sent.status).toBe(200);
    const replay = await send(body, key);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await answer(replay)).toEqual(sent);
    expect(await mailsTo(body.to)).toBe(1);
  });

  it("binds a key for 24 hours, then takes it again for a new send", async () => {
    const body = sendBody();
    const key = uniqueId("key");
    const first = await answer(await send(body, key));
    expect(await answer(await send(body, key))).toEqual(first);
    expect(await mailsTo(body.to)).toBe(1);
    // The 24 hours are over.
    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE key = ?")
      .bind(Date.now() - 1, await stored(key))
      .run();
    const second = await answer(await send(body, key));
    expect(second.status).toBe(200);
    expect(second.body.messageId).not.toBe(first.body.messageId);
    expect(await answer(await send(body, key))).toEqual(second);
    expect(await mailsTo(body.to)).toBe(2);
  });

  it("refuses a key that is not printable ASCII", async () => {
    const res = await send(sendBody(), "has spaces in it");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request", message: expect.stringContaining("Idempotency-Key") });
  });
});

describe("POST /api/send when SES's answer is unknown", () => {
  it.each([
    ["answers 500", "500"],
    ["loses the answer", "lost"],
    ["answers without a MessageId", "no-id"],
  ] as const)(
    "after SES took it and %s: 502 outcome_unknown, one mail, no retry; a repeat with the key answers the same and sends nothing",
    async (_, fault) => {
      const body = sendBody();
      const key = uniqueId("key");
      const seen = routeSesThrough(() => fault);
      const first = await answer(await send(body, key));
      expect(first.status).toBe(502);
      expect(first.body).toMatchObject({ error: "outcome_unknown", idempotencyKey: key });
      expect(seen.calls).toBe(1);
      expect(await mailsTo(body.to)).toBe(1);

      vi.restoreAllMocks();
      const repeat = routeSesThrough(() => "pass");
      expect(await answer(await send(body, key))).toEqual(first);
      expect(repeat.calls).toBe(0);
      expect(await mailsTo(body.to)).toBe(1);
    },
  );

  it("records the send of a mail SES took even when the events queue refuses it", async () => {
    vi.spyOn(env.EVENTS, "send").mockRejectedValue(new Error("queue unavailable"));
    const body = sendBody();
    const res = await answer(await send(body));
    expect(res.status).toBe(200);
    const [event] = await waitForEvents(body.campaignId, 1);
    expect(event).toMatchObject({ type: "send", ses_message_id: res.body.messageId });
  });
});

describe("POST /api/campaigns/<id>/send with an Idempotency-Key", () => {
  const recipients = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ to: `${uniqueId(`${prefix}${i}`)}@example.com` }));

  it("queues once and answers a repeat with the first answer", async () => {
    const campaignId = uniqueId("camp");
    const list = recipients(3, "c");
    const key = uniqueId("key");
    const first = await answer(await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key));
    expect(first).toMatchObject({ status: 202, body: { campaignId, queued: 3, duplicates: 0, idempotencyKey: key } });
    expect(await answer(await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key))).toEqual(first);
    await waitForEvents(campaignId, 3);
    expect(await mailCounts(list.map((r) => r.to))).toEqual([1, 1, 1]);
    const jobs = await env.DB.prepare("SELECT COUNT(*) AS n FROM send_jobs WHERE campaign_id = ?").bind(campaignId).first<{ n: number }>();
    expect(jobs!.n).toBe(1);
  });

  it("refuses the key for another campaign or list (422)", async () => {
    const campaignId = uniqueId("camp");
    const list = recipients(1, "d");
    const key = uniqueId("key");
    expect((await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key)).status).toBe(202);
    expect((await campaignSend(campaignId, { ...MESSAGE, recipients: recipients(1, "e") }, key)).status).toBe(422);
    expect((await campaignSend(uniqueId("camp"), { ...MESSAGE, recipients: list }, key)).status).toBe(422);
  });

  it.each([
    ["the client's key", true],
    ["the key the answer gave", false],
  ])("completes a send whose enqueueing failed part-way when repeated with %s: each recipient queued and mailed once", async (_, clientKey) => {
    const campaignId = uniqueId("partial");
    const list = recipients(150, "p");
    const realSendBatch = env.SEND_QUEUE.sendBatch.bind(env.SEND_QUEUE);
    let batches = 0;
    const enqueued: string[] = [];
    vi.spyOn(env.SEND_QUEUE, "sendBatch").mockImplementation(async (messages) => {
      // The queue takes the first 100 tasks, then fails.
      if (batches++ === 1) throw new Error("queue unavailable");
      for (const m of messages) enqueued.push((m.body as { to: string }).to);
      return realSendBatch(messages);
    });
    const key = clientKey ? uniqueId("key") : undefined;
    const failed = await answer(await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key));
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: "send_incomplete", campaignId, queued: 100, recipients: 150, jobId: expect.any(String) });
    const repeatKey = failed.body.idempotencyKey as string;
    if (key) expect(repeatKey).toBe(key);

    const done = await answer(await campaignSend(campaignId, { ...MESSAGE, recipients: list }, repeatKey));
    expect(done).toEqual({ status: 202, body: { campaignId, jobId: failed.body.jobId, queued: 150, duplicates: 0, idempotencyKey: repeatKey } });
    expect(enqueued.sort()).toEqual(list.map((r) => r.to).sort());
    expect(await mailsOnceArrived(list.map((r) => r.to))).toEqual(list.map(() => 1));
  });

  it("a chunk that reached the queue but not the record is queued again and still mailed once", async () => {
    const campaignId = uniqueId("unrecorded");
    const list = recipients(150, "u");
    const key = uniqueId("key");
    const realSendBatch = env.SEND_QUEUE.sendBatch.bind(env.SEND_QUEUE);
    let batches = 0;
    vi.spyOn(env.SEND_QUEUE, "sendBatch").mockImplementation(async (messages) => {
      // The second chunk is enqueued, but the caller hears a failure (its answer lost).
      const sent = await realSendBatch(messages);
      if (batches++ === 1) throw new Error("answer lost");
      return sent;
    });
    expect((await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key)).status).toBe(503);
    expect((await campaignSend(campaignId, { ...MESSAGE, recipients: list }, key)).status).toBe(202);
    expect(batches).toBe(3);
    expect(await mailsOnceArrived(list.map((r) => r.to))).toEqual(list.map(() => 1));
    const { results } = await env.DB.prepare(
      "SELECT state, COUNT(*) AS n FROM deliveries d JOIN send_jobs j ON j.id = d.job_id WHERE j.campaign_id = ? GROUP BY state",
    )
      .bind(campaignId)
      .all<{ state: string; n: number }>();
    expect(results).toEqual([{ state: "sent", n: 150 }]);
  });
});
