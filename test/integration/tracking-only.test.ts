// A tracking-only deployment (no AWS keys): tracking, /sns and the API's reads work; every send route answers 503
// `sending_not_configured` and queues nothing; send tasks already queued wait as new messages, never dead-lettered;
// the SES suppression mirror stays pending and says why.
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { EVENTS_QUEUE, MISCONFIGURED_RETRY_SECONDS, SEND_QUEUE } from "../../src/config/queues";
import { CAMPAIGN_TAG, encodeTagValue } from "../../src/ses/tags";
import type { SendTask } from "../../src/sending/jobs";
import { fixtureJson } from "../support/fixtures";
import { eventsFor, getSettled, mint, recordingQueue, uniqueId } from "../support/helpers";
import { deliver, messages } from "../support/queue";
import { TEST_API_TOKEN } from "../support/secrets";
import { consume, jobTasks, MESSAGE, virtualClock } from "../support/send-queue";
import { createTestSigner, signedNotification, type TestSigner } from "../support/sns-signer";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic";

const authed = { authorization: `Bearer ${TEST_API_TOKEN}` };

/** This suite's env without the AWS keys, with queues that keep what is sent to them. */
function trackingOnly(extra: Record<string, unknown> = {}) {
  const events = recordingQueue();
  const sends: { body: unknown; delaySeconds?: number }[] = [];
  const sendQueue = {
    send: async (body: unknown, options?: QueueSendOptions) => void sends.push({ body, delaySeconds: options?.delaySeconds }),
    sendBatch: async (batch: Iterable<MessageSendRequest>) => void sends.push(...batch),
  } as unknown as Queue;
  const bindings = { ...env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", EVENTS: events.queue, SEND_QUEUE: sendQueue, ...extra } as Env;
  return { bindings, events: events.sent, sends };
}

function postJson(path: string, body: unknown, bindings: Env, headers: Record<string, string> = {}) {
  return getSettled(
    path,
    { method: "POST", headers: { ...authed, "content-type": "application/json", ...headers }, body: JSON.stringify(body) },
    bindings,
  );
}

async function expectSendingNotConfigured(res: Response) {
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({
    error: "unavailable",
    reason: "sending_not_configured",
    message: expect.stringContaining("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (wrangler secret put) to send"),
  });
}

let signer: TestSigner;

beforeAll(async () => {
  signer = await createTestSigner();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a deployment without AWS keys", () => {
  it("tracks opens and clicks, stores SES events from /sns, and answers the API's reads", async () => {
    const { bindings, events } = trackingOnly();
    const campaignId = uniqueId("tracking-only");
    const click = await mint({ kind: "click", campaignId, contact: "a@example.com", url: "https://example.com/" });
    const clicked = await getSettled(`/c/${click}`, {}, bindings);
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get("location")).toBe("https://example.com/");
    const open = await mint({ kind: "open", campaignId, contact: "a@example.com" });
    expect((await getSettled(`/o/${open}.gif`, {}, bindings)).status).toBe(200);

    // The certificate is served here; nothing else may be fetched.
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = new Request(input).url;
      if (url === signer.certUrl) return new Response(signer.certificatePem);
      throw new Error(`unexpected fetch of ${url}`);
    });
    const payload = fixtureJson<{ mail: { tags: Record<string, string[]>; messageId: string } }>("ses/event-publishing__delivery-record.json");
    payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)] };
    payload.mail.messageId = `${payload.mail.messageId}-${campaignId}`;
    const notification = await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(payload) });
    const sns = await getSettled(
      "/sns",
      { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body: JSON.stringify(notification) },
      bindings,
    );
    expect(sns.status).toBe(200);

    // The events queue's consumer stores them under the same keyless env.
    expect(events.length).toBeGreaterThanOrEqual(3);
    const stored = await deliver(EVENTS_QUEUE, messages(events), bindings);
    expect(stored.retryMessages).toEqual([]);
    expect((await eventsFor(campaignId)).map((r) => r.type).sort()).toEqual(["click", "delivery", "open"]);

    const stats = await getSettled(`/api/campaigns/${campaignId}/stats`, { headers: authed }, bindings);
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ campaignId });
    expect((await getSettled("/api/campaigns", { headers: authed }, bindings)).status).toBe(200);
  });

  it("answers 503 sending_not_configured on every send route, and claims and queues nothing", async () => {
    const { bindings, sends } = trackingOnly();
    const campaignId = uniqueId("tracking-only-send");
    const key = `k-${crypto.randomUUID()}`;
    const single = { campaignId, to: "a@example.com", from: MESSAGE.from, subject: "s", text: "t" };
    await expectSendingNotConfigured(await postJson("/api/send", single, bindings, { "idempotency-key": key }));
    const campaign = { ...MESSAGE, recipients: [{ to: "a@example.com" }, { to: "b@example.com" }] };
    await expectSendingNotConfigured(await postJson(`/api/campaigns/${campaignId}/send`, campaign, bindings, { "idempotency-key": `${key}-c` }));
    expect(sends).toEqual([]);
    const jobs = await env.DB.prepare("SELECT count(*) AS n FROM send_jobs WHERE campaign_id = ?").bind(campaignId).first<{ n: number }>();
    expect(jobs!.n).toBe(0);

    const [task] = await jobTasks(campaignId, ["c@example.com"]);
    await expectSendingNotConfigured(await postJson(`/api/campaigns/${campaignId}/jobs/${task!.jobId}/resend-unknown`, {}, bindings));
    await expectSendingNotConfigured(await postJson(`/api/campaigns/${campaignId}/jobs/${task!.jobId}/send-dead-lettered`, {}, bindings));
    expect(sends).toEqual([]);

    // Nothing was claimed: the same keys send once the keys are set.
    const res = await postJson("/api/send", single, env, { "idempotency-key": key });
    expect(res.status).toBe(200);
  });

  it("keeps queued send tasks as new messages, not dead letters, and sends them once the keys are set", async () => {
    const { bindings, sends } = trackingOnly();
    const tasks = await jobTasks(uniqueId("tracking-only-queue"), ["a@example.com", "b@example.com"]);
    const list = messages(tasks, 10);
    const held = await deliver(SEND_QUEUE, list, bindings);
    // Acknowledged (its retries are not spent) after going back on the queue, with the delay.
    expect(held.ackAll).toBe(true);
    expect(held.retryBatch.retry).toBe(false);
    expect(held.retryMessages).toEqual([]);
    expect(sends).toEqual(tasks.map((body) => ({ body, delaySeconds: MISCONFIGURED_RETRY_SECONDS })));
    const states = await env.DB.prepare("SELECT state FROM deliveries WHERE job_id = ?").bind(tasks[0]!.jobId).all<{ state: string }>();
    expect(states.results).toEqual([{ state: "queued" }, { state: "queued" }]);

    const { result } = await consume(
      sends.map((s) => s.body as SendTask),
      virtualClock(),
    );
    expect(result.explicitAcks).toHaveLength(2);
    const sent = await env.DB.prepare("SELECT state FROM deliveries WHERE job_id = ?").bind(tasks[0]!.jobId).all<{ state: string }>();
    expect(sent.results).toEqual([{ state: "sent" }, { state: "sent" }]);
  });

  it("leaves SES_SYNC_SUPPRESSIONS' mirror pending, saying why, and the scheduled run completes", async () => {
    const { bindings } = trackingOnly({ SES_SYNC_SUPPRESSIONS: "true" });
    const email = `${uniqueId("mirror")}@example.com`;
    await env.DB.prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, 'hard_bounce', ?, NULL, NULL)")
      .bind(email, Date.now())
      .run();
    const warned: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: string) => void warned.push(line));
    await worker.scheduled(createScheduledController(), bindings, createExecutionContext());
    const row = await env.DB.prepare("SELECT ses_synced_at FROM suppressions WHERE email = ?").bind(email).first<{ ses_synced_at: number | null }>();
    expect(row!.ses_synced_at).toBeNull();
    expect(warned.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ msg: "SES suppression mirror waiting", reason: "sending_not_configured" }),
    );
  });
});
