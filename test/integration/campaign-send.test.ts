// Campaign sends: the enqueue call, and the send-queue consumer's pacing, skipping, retries and rejections.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { database } from "../../src/db/client";
import { SEND_QUEUE } from "../../src/config/queues";
import { createSendJob, SEND_BATCH_SIZE, type SendTask } from "../../src/sending/jobs";
import { faultyD1 } from "../support/faults";
import { api, eventsFor, ORIGIN, uniqueId, waitForEvents } from "../support/helpers";
import { header, receivedEmails } from "../support/ses-emulator";
import { asMessages, capturingQueue, consume, jobTasks, MESSAGE, virtualClock, watchSes } from "../support/send-queue";

afterEach(() => {
  vi.restoreAllMocks();
});

async function suppress(email: string) {
  await env.DB.prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, 'hard_bounce', ?, NULL, NULL)")
    .bind(email, Date.now())
    .run();
}

describe("POST /api/campaigns/<id>/send", () => {
  it("queues each distinct recipient once and the consumer sends them through SES with send events", async () => {
    const campaignId = uniqueId("bulk");
    const a = `${uniqueId("a")}@example.com`;
    const b = `${uniqueId("b")}@example.com`;
    const res = await api(`/campaigns/${campaignId}/send`, {
      method: "POST",
      json: { ...MESSAGE, recipients: [{ to: a }, { to: b }, { to: a.replace("example.com", "EXAMPLE.com") }] },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ campaignId, queued: 2, duplicates: 1, jobId: expect.any(String) });

    const events = await waitForEvents(campaignId, 2);
    expect(events.map((e) => [e.type, e.email]).sort()).toEqual(
      [
        ["send", a],
        ["send", b],
      ].sort(),
    );
    const emails = await receivedEmails();
    for (const e of events) {
      const email = emails.find((m) => m.messageId === e.ses_message_id)!;
      expect(email.destination.to).toEqual([e.email]);
      expect(email.body.html).toMatch(new RegExp(`<a href="${ORIGIN}/c/[A-Za-z0-9_-]+">shop</a>`));
      expect(email.body.text).toBe(MESSAGE.text);
      expect(header(email, "List-Unsubscribe")).toMatch(new RegExp(`^<${ORIGIN}/u/`));
    }
  });

  it.each([
    ["recipients", { recipients: [] }],
    ["recipients.1.to", { recipients: [{ to: "ok@example.com" }, { to: "nope" }] }],
    ["recipients", { recipients: Array.from({ length: 10_001 }, (_, i) => ({ to: `r${i}@example.com` })) }],
    ["html or text", { html: undefined, text: undefined, recipients: [{ to: "ok@example.com" }] }],
  ])("answers 400 naming %s and queues nothing", async (field, overrides) => {
    const res = await api(`/campaigns/${uniqueId("bad")}/send`, { method: "POST", json: { ...MESSAGE, ...overrides } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(field);
  });

  it("answers 400 for an invalid campaign id in the path", async () => {
    expect(
      (await api(`/campaigns/${encodeURIComponent("bad id")}/send`, { method: "POST", json: { ...MESSAGE, recipients: [{ to: "a@example.com" }] } }))
        .status,
    ).toBe(400);
  });
});

describe("createSendJob", () => {
  it("enqueues in sendBatch calls of at most 100 messages and 256 KB", async () => {
    const { queue, batches } = capturingQueue();
    const recipients = Array.from({ length: 250 }, (_, i) => ({ to: `reader${i}@example.com` }));
    const result = await createSendJob(
      database(env.DB),
      queue,
      uniqueId("chunks"),
      ORIGIN,
      { ...MESSAGE, recipients },
      { opens: true, clicks: true },
    );
    expect(result).toMatchObject({ queued: 250, duplicates: 0 });
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(SEND_BATCH_SIZE).toBe(100);
    for (const b of batches) expect(new TextEncoder().encode(JSON.stringify(b)).length).toBeLessThan(256 * 1024);
    expect(batches.flat().map((m) => m.body.n)).toEqual(recipients.map((_, i) => i));
  });
});

describe("send queue consumer", () => {
  it("sends no faster than SEND_RATE_PER_SECOND and skips suppressed recipients", async () => {
    const campaignId = uniqueId("paced");
    const recipients = Array.from({ length: 5 }, (_, i) => `${uniqueId(`p${i}`)}@example.com`);
    await suppress(recipients[2]!);
    const tasks = await jobTasks(campaignId, recipients);
    const clock = virtualClock();
    const start = clock.time;
    const calls = watchSes(clock);

    const { result } = await consume(tasks, clock, { ...env, SEND_RATE_PER_SECOND: "4" });
    expect(result.explicitAcks).toHaveLength(5);
    expect(result.retryMessages).toEqual([]);
    // Four sends at 4 per second: one every 250 ms, and the batch ends a full interval after the last one.
    expect(calls.map((c) => c.to)).toEqual([recipients[0], recipients[1], recipients[3], recipients[4]]);
    expect(calls.map((c) => c.at - start)).toEqual([0, 250, 500, 750]);
    expect(clock.time - start).toBe(1000);

    const events = await waitForEvents(campaignId, 4);
    expect(events.map((e) => e.email).sort()).toEqual([recipients[0], recipients[1], recipients[3], recipients[4]].sort());
    expect(events.every((e) => e.type === "send" && e.id === `send:${e.ses_message_id}`)).toBe(true);
  });

  it("retries throttled sends with a delay, sends nothing twice, and they go out on redelivery", async () => {
    const campaignId = uniqueId("throttled");
    const recipients = Array.from({ length: 3 }, (_, i) => `${uniqueId(`t${i}`)}@example.com`);
    const tasks = await jobTasks(campaignId, recipients);
    const clock = virtualClock();
    let throttles = 0;
    watchSes(clock, () => (throttles++ === 0 ? new Response(JSON.stringify({ message: "Maximum sending rate exceeded." }), { status: 429 }) : null));

    const { messages, delays, result } = await consume(tasks, clock);
    expect(throttles).toBe(1);
    const retried = new Set(result.retryMessages.map((m) => m.msgId));
    expect(retried.has(messages[0]!.id)).toBe(true);
    expect([...delays.keys()].sort()).toEqual([...retried].sort());
    for (const delay of delays.values()) expect(delay).toBeGreaterThanOrEqual(1);
    // Every message is either sent (acked) or retried, never both, never neither.
    expect(result.explicitAcks.length + retried.size).toBe(3);
    for (const id of result.explicitAcks) expect(retried.has(id)).toBe(false);

    const again = tasks.filter((_, i) => retried.has(messages[i]!.id));
    const second = await consume(again, clock, env, 2);
    expect(second.result.retryMessages).toEqual([]);
    const events = await waitForEvents(campaignId, 3);
    expect(events.map((e) => e.email).sort()).toEqual([...recipients].sort());
  });

  it("records a message SES rejects as a reject event with SES's reason, and does not retry it", async () => {
    const campaignId = uniqueId("rejected");
    const [good, bad] = [`${uniqueId("good")}@example.com`, `${uniqueId("bad")}@example.com`];
    const tasks = await jobTasks(campaignId, [good!, bad!]);
    const clock = virtualClock();
    watchSes(clock, (body) =>
      body.includes(bad!)
        ? new Response(JSON.stringify({ message: "Illegal address" }), { status: 400, headers: { "x-amzn-ErrorType": "BadRequestException" } })
        : null,
    );
    const { result } = await consume(tasks, clock);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    const events = await waitForEvents(campaignId, 2);
    const reject = events.find((e) => e.type === "reject")!;
    expect(reject).toMatchObject({ email: bad, id: `reject:${tasks[1]!.jobId}:1` });
    expect(JSON.parse(reject.metadata!)).toMatchObject({ reason: "Illegal address", sesError: "BadRequestException", status: 400 });
    expect(events.find((e) => e.type === "send")!.email).toBe(good);
  });

  it("retries only the message whose lookup failed; the ones already sent are not sent again", async () => {
    const campaignId = uniqueId("d1fault");
    const recipients = Array.from({ length: 3 }, (_, i) => `${uniqueId(`f${i}`)}@example.com`);
    const tasks = await jobTasks(campaignId, recipients);
    const clock = virtualClock();
    const calls = watchSes(clock);
    // D1 fails the suppression lookup of the last recipient, after the first two have gone to SES.
    const db = faultyD1(env.DB, (sql, values) => sql.includes("suppressions") && values.includes(recipients[2]));
    const { messages, result } = await consume(tasks, clock, { ...env, DB: db });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[2]!.id]);
    expect(result.explicitAcks.sort()).toEqual([messages[0]!.id, messages[1]!.id].sort());
    expect(calls.map((c) => c.to)).toEqual(recipients.slice(0, 2));
  });

  it("keeps a task whose job does not exist, or that is not a task, in dead_letters with the reason", async () => {
    const clock = virtualClock();
    const batch = asMessages([
      { v: 1, jobId: "no-such-job", to: "a@example.com", n: 0 },
      { hello: "world" } as unknown as SendTask,
      // Shaped like a task, but not one the API could have made: checked with the API's own recipient and job-id schemas.
      { v: 1, jobId: "no-such-job", to: "not an address", n: 1 },
      { v: 1, jobId: "no/such/job", to: "a@example.com", n: 2 },
      { v: 1, jobId: "no-such-job", to: "a@example.com", n: "3" } as unknown as SendTask,
    ]);
    const mb = createMessageBatch(SEND_QUEUE, batch);
    const ctx = createExecutionContext();
    await worker.queue(mb, env, ctx);
    const result = await getQueueResult(mb, ctx);
    expect(result.explicitAcks).toHaveLength(batch.length);
    const { results } = await env.DB.prepare(`SELECT message_id, reason FROM dead_letters WHERE message_id IN (${batch.map(() => "?").join(", ")})`)
      .bind(...batch.map((m) => m.id))
      .all<{ message_id: string; reason: string }>();
    const reasons = new Map(results.map((r) => [r.message_id, r.reason]));
    expect(batch.map((m) => reasons.get(m.id))).toEqual([
      "send job not found",
      'not a send task: v: Invalid key: Expected "v" but received undefined',
      "not a send task: to: must be an email address",
      "not a send task: jobId: must be a job id",
      "not a send task: n: must be a position",
    ]);
    expect(clock.time).toBe(1_000_000);
    expect(await eventsFor("no-such-job")).toEqual([]);
  });
});
