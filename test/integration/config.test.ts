// A misconfigured deployment through the worker: 503 naming the variable on every route, the GIF still served,
// queue batches kept for later, the cron refusing to run; a missing secret closes only what needs it.
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sampleEvent, getSettled, mint, recordingQueue, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";
import { TEST_API_TOKEN } from "../support/secrets";
import { envelope } from "../../src/domain/events";
import worker from "../../src/index";
import { EVENTS_DLQ, EVENTS_QUEUE, MISCONFIGURED_RETRY_SECONDS, SEND_QUEUE } from "../../src/config/queues";
import { jobTasks } from "../support/send-queue";

const authed = { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } };

async function expectMisconfigured(res: Response, variable: string) {
  expect(res.status).toBe(503);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error: "misconfigured", variable, message: expect.stringContaining(variable) });
}

describe("a malformed variable", () => {
  const broken = { ...env, SEND_RATE_PER_SECOND: "abc" } as Env;

  it("answers 503 misconfigured naming it on every route but the pixel, which still answers its GIF", async () => {
    const click = await mint({ kind: "click", campaignId: "cfg", contact: "a@example.com", url: "https://example.com/" });
    const unsub = await mint({ kind: "unsubscribe", campaignId: "cfg", contact: "a@example.com" });
    for (const [path, init] of [
      ["/healthz", {}],
      [`/c/${click}`, {}],
      [`/u/${unsub}`, {}],
      ["/api/campaigns", authed],
      ["/api/campaigns", {}],
      ["/sns", { method: "POST", body: "{}" }],
      ["/no-such-page", {}],
    ] as const) {
      const res = await getSettled(path, init, broken);
      await expectMisconfigured(res, "SEND_RATE_PER_SECOND");
      expect(res.headers.get("location")).toBeNull();
    }
    const events = recordingQueue();
    const open = await mint({ kind: "open", campaignId: "cfg", contact: "a@example.com" });
    const pixel = await getSettled(`/o/${open}.gif`, {}, { ...broken, EVENTS: events.queue });
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get("content-type")).toBe("image/gif");
    expect(events.sent).toEqual([]);
  });

  it("leaves an events batch untouched, to be delivered again later, while the dead-letter queue still stores", async () => {
    const campaignId = uniqueId("cfg-queue");
    const list = messages([envelope([sampleEvent({ campaignId })])]);
    const batch = createMessageBatch(EVENTS_QUEUE, list);
    // getQueueResult does not report the delay asked for: note it on the way through.
    const delays: Array<number | undefined> = [];
    const retryAll = batch.retryAll.bind(batch);
    batch.retryAll = (options?: QueueRetryOptions) => {
      delays.push(options?.delaySeconds);
      retryAll(options);
    };
    const ctx = createExecutionContext();
    await worker.queue(batch, broken, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryBatch).toMatchObject({ retry: true });
    expect(delays).toEqual([MISCONFIGURED_RETRY_SECONDS]);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE campaign_id = ?").bind(campaignId).first<{ n: number }>();
    expect(stored!.n).toBe(0);

    const dead = createMessageBatch(EVENTS_DLQ, list);
    const dlqCtx = createExecutionContext();
    await worker.queue(dead, broken, dlqCtx);
    expect((await getQueueResult(dead, dlqCtx)).explicitAcks).toEqual([list[0]!.id]);
  });

  it("puts a send batch back on the queue as new messages, so the tasks outlive the send queue's 10 retries", async () => {
    const tasks = await jobTasks(uniqueId("cfg-send"), ["a@example.com"]);
    const sendQueue = recordingQueue();
    const result = await deliver(SEND_QUEUE, messages(tasks, 10), { ...broken, SEND_QUEUE: sendQueue.queue });
    expect(result.ackAll).toBe(true);
    expect(result.retryMessages).toEqual([]);
    expect(sendQueue.sent).toEqual(tasks);
    const states = await env.DB.prepare("SELECT state FROM deliveries WHERE job_id = ?").bind(tasks[0]!.jobId).all<{ state: string }>();
    expect(states.results).toEqual([{ state: "queued" }]);
  });

  it("stops the scheduled run before any work, naming the variable", async () => {
    await expect(worker.scheduled(createScheduledController(), broken, createExecutionContext())).rejects.toThrow(/SEND_RATE_PER_SECOND/);
  });
});

describe("a secret that is not set closes only what needs it", () => {
  it("API_TOKEN: the API answers 503 naming it; the tracking edge works", async () => {
    const bindings = { ...env, API_TOKEN: "" } as Env;
    await expectMisconfigured(await getSettled("/api/campaigns", authed, bindings), "API_TOKEN");
    const click = await mint({ kind: "click", campaignId: "cfg", contact: "a@example.com", url: "https://example.com/" });
    expect((await getSettled(`/c/${click}`, {}, bindings)).status).toBe(302);
  });

  it("TRACKING_KEYS: links answer 503 naming it; the API still reads", async () => {
    const bindings = { ...env, TRACKING_KEYS: "" } as Env;
    await expectMisconfigured(await getSettled("/c/anything", {}, bindings), "TRACKING_KEYS");
    await expectMisconfigured(await getSettled("/u/anything", {}, bindings), "TRACKING_KEYS");
    expect((await getSettled("/api/campaigns", authed, bindings)).status).toBe(200);
  });

  // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (a tracking-only deployment): tracking-only.test.ts.
});
