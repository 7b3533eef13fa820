// The reputation guard: real signed SES bounce and complaint notifications through /sns pause a campaign's sends
// (or every campaign's) before its next batch, once per crossing, announced by webhook; resume sends the rest.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { envelope } from "../../src/domain/events";
import { SEND_EMAIL_PATH } from "../../src/ses/send-email";
import { CAMPAIGN_TAG, CONTACT_TAG, encodeTagValue } from "../../src/ses/tags";
import { sendEventId } from "../../src/domain/event-ids";
import { campaignStats } from "../../src/objects/stats-client";
import { fixtureJson } from "../support/fixtures";
import { api, ORIGIN, uniqueId } from "../support/helpers";
import { asMessages, consumeMessages, jobTasks, virtualClock as sendClock } from "../support/send-queue";
import { createTestSigner, signedNotification, type TestSigner } from "../support/sns-signer";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic";
import { createEndpoint, drainHooks, hookUrl, receivedBy, waitForHooks } from "../support/webhooks";

let signer: TestSigner;
/** Recipients SES was asked to mail since the test began (through any path: the consumer here or the queue's). */
let sesCalls: string[];

beforeAll(async () => {
  signer = await createTestSigner();
});

beforeEach(() => {
  sesCalls = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url === signer.certUrl) return new Response(signer.certificatePem);
    if (new URL(request.url).pathname.endsWith(SEND_EMAIL_PATH)) {
      sesCalls.push((JSON.parse(await request.clone().text()) as { Destination: { ToAddresses: string[] } }).Destination.ToAddresses[0]!);
    }
    return realFetch(request);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

// Longer than the suite's 30 s: sends, SNS notifications and webhooks each cross a real local queue (a batch waits up to 2 s), several times per test, on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

type SesKind = "bounce" | "complaint";

/** The parts of an SES event-publishing record a test rewrites. */
interface SesRecord {
  mail: Record<string, unknown> & { tags?: Record<string, string[]> };
  bounce: Record<string, unknown>;
  complaint: Record<string, unknown>;
}

/** A signed SNS Notification carrying an SES Bounce (Permanent) or Complaint for these recipients, made now. */
async function postSesEvent(kind: SesKind, campaignId: string, recipients: string[]): Promise<void> {
  const payload = fixtureJson<SesRecord>(
    kind === "bounce" ? "ses/event-publishing__bounce-record.json" : "ses/event-publishing__complaint-record.json",
  );
  const now = new Date().toISOString();
  payload.mail.messageId = `guard-${crypto.randomUUID()}`;
  payload.mail.timestamp = now;
  payload.mail.destination = recipients;
  const tags: Record<string, string[]> = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)] };
  if (recipients.length === 1) tags[CONTACT_TAG] = [encodeTagValue(recipients[0]!)];
  payload.mail.tags = tags;
  if (kind === "bounce") {
    payload.bounce.bounceType = "Permanent";
    payload.bounce.timestamp = now;
    payload.bounce.bouncedRecipients = recipients.map((emailAddress) => ({
      emailAddress,
      action: "failed",
      status: "5.1.1",
      diagnosticCode: "smtp; 550 5.1.1 user unknown",
    }));
  } else {
    payload.complaint.timestamp = now;
    payload.complaint.complainedRecipients = recipients.map((emailAddress) => ({ emailAddress }));
  }
  const body = await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(payload) });
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body: JSON.stringify(body) }),
  );
  expect(res.status).toBe(200);
}

interface Stats {
  sent: number;
  bounces: { hard: number };
  complaints: number;
  guard: {
    enabled: boolean;
    paused: boolean;
    sendsPaused: boolean;
    pause: Record<string, unknown> | null;
    account: { paused: boolean };
  };
}

async function stats(campaignId: string): Promise<Stats> {
  return (await (await api(`/campaigns/${campaignId}/stats`)).json()) as Stats;
}

async function waitForStats(campaignId: string, ok: (s: Stats) => boolean): Promise<Stats> {
  return vi.waitUntil(
    async () => {
      const s = await stats(campaignId);
      return ok(s) ? s : false;
    },
    { timeout: 30_000, interval: 100 },
  );
}

async function jobCounts(campaignId: string, jobId: string): Promise<Record<string, number>> {
  return ((await (await api(`/campaigns/${campaignId}/jobs/${jobId}`)).json()) as { counts: Record<string, number> }).counts;
}

/** A campaign whose guard acts from `minSent` sends on, a job for `count` recipients, and its queued tasks. */
async function campaignWithJob(prefix: string, count: number, guard: Record<string, unknown>) {
  const campaignId = uniqueId(prefix);
  const put = await api(`/campaigns/${campaignId}/settings`, { method: "PUT", json: { guard } });
  expect(put.status).toBe(200);
  const recipients = Array.from({ length: count }, (_, i) => `${prefix}${i}-${crypto.randomUUID().slice(0, 6)}@example.com`);
  const tasks = await jobTasks(campaignId, recipients);
  return { campaignId, recipients, tasks, jobId: tasks[0]!.jobId };
}

// First in the file: the account's window then holds only what this test sends (each test file has its own storage;
// the campaign tests below send in real time too, and would count here).
describe("account guard", () => {
  it("pauses every campaign's sends when the last 24 hours over all campaigns cross the rate, and fires account.paused", async () => {
    expect(((await (await api("/account/guard")).json()) as { window: { sent: number } }).window.sent).toBe(0);
    const hook = uniqueId("account-hook");
    await createEndpoint({ url: hookUrl(hook), eventTypes: ["account.paused"] });
    const [a, b] = [uniqueId("acct-a"), uniqueId("acct-b")];
    // 500 sends today over two campaigns (neither reaches its own minimum of 500), through the events queue.
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      const batch = Array.from({ length: 100 }, (_, j) => {
        const n = i * 100 + j;
        const campaignId = n % 2 === 0 ? a : b;
        return {
          id: sendEventId(`acct-${campaignId}-${n}`),
          type: "send" as const,
          campaignId,
          contactId: `r${n}@example.com`,
          email: `r${n}@example.com`,
          sesMessageId: `acct-${n}`,
          occurredAt: now - n * 1000,
        };
      });
      await env.EVENTS.send(envelope(batch), { contentType: "json" });
    }
    await waitForStats(b, (s) => s.sent === 250);
    await waitForStats(a, (s) => s.sent === 250);
    const before = (await (await api("/account/guard")).json()) as { paused: boolean; window: { sent: number } };
    expect(before).toMatchObject({ paused: false, window: { sent: 500 } });

    try {
      // 25 hard bounces in one notification: 5 % of the account's 500.
      await postSesEvent(
        "bounce",
        a,
        Array.from({ length: 25 }, (_, i) => `r${2 * i}@example.com`),
      );
      const state = await vi.waitUntil(
        async () => {
          const s = (await (await api("/account/guard")).json()) as { paused: boolean; pause: Record<string, unknown> };
          return s.paused ? s : false;
        },
        { timeout: 30_000, interval: 100 },
      );
      expect(state.pause).toMatchObject({ reason: "bounce_rate", sent: 500, bouncesHard: 25, bounceRate: 0.05, thresholds: { minSent: 500 } });
      expect((await stats(b)).guard).toMatchObject({ paused: false, sendsPaused: true, account: { paused: true } });

      const [notice] = await waitForHooks(hook, 1);
      expect(JSON.parse(notice!.body)).toMatchObject({ type: "account.paused", data: { reason: "bounce_rate", sent: 500, bouncesHard: 25 } });

      // Another campaign, guard untouched: its batch is held too.
      const other = await campaignWithJob("acct-other", 5, {});
      sesCalls = [];
      await consumeMessages(asMessages(other.tasks), sendClock());
      expect(sesCalls).toEqual([]);
      expect(await jobCounts(other.campaignId, other.jobId)).toMatchObject({ paused: 5, sent: 0 });

      const resumed = (await (await api("/account/resume", { method: "POST" })).json()) as { resumed: boolean; requeued: number };
      expect(resumed).toMatchObject({ resumed: true, requeued: 5 });
      await vi.waitUntil(async () => (await jobCounts(other.campaignId, other.jobId)).sent === 5, { timeout: 30_000, interval: 100 });
      expect([...sesCalls].sort()).toEqual([...other.recipients].sort());
    } finally {
      await api("/account/resume", { method: "POST" });
    }
  });
});

describe("campaign guard", () => {
  it("pauses the campaign's sends when hard bounces reach the rate, before its next batch, and says so in stats and by webhook", async () => {
    const { campaignId, recipients, tasks, jobId } = await campaignWithJob("bounced", 40, { minSent: 20 });
    const hook = uniqueId("paused-hook");
    await createEndpoint({ url: hookUrl(hook), campaignId, eventTypes: ["campaign.paused"] });
    const clock = sendClock();

    // The first batch goes out: 20 sends, counted.
    const first = await consumeMessages(asMessages(tasks.slice(0, 20)), clock);
    expect(first.result.explicitAcks).toHaveLength(20);
    await waitForStats(campaignId, (s) => s.sent === 20);
    expect((await stats(campaignId)).guard).toMatchObject({ enabled: true, paused: false, sendsPaused: false });

    // One hard bounce in 20 sends: 5 %, the rate.
    await postSesEvent("bounce", campaignId, [recipients[0]!]);
    const paused = await waitForStats(campaignId, (s) => s.guard.paused);
    expect(paused.guard.pause).toEqual({
      reason: "bounce_rate",
      pausedAt: expect.any(String),
      sent: 20,
      bouncesHard: 1,
      complaints: 0,
      bounceRate: 0.05,
      complaintRate: 0,
      thresholds: { minSent: 20, bounceRate: 0.05, complaintRate: 0.001 },
      from: null,
    });
    expect(paused.guard.sendsPaused).toBe(true);

    // The next batch: SES is not called for any of it; every task is held, none claimed, none dropped.
    sesCalls = [];
    const second = await consumeMessages(asMessages(tasks.slice(20)), clock);
    expect(sesCalls).toEqual([]);
    expect(second.result.explicitAcks).toHaveLength(20);
    expect(await jobCounts(campaignId, jobId)).toMatchObject({ sent: 20, paused: 20, queued: 0, sending: 0, unknown: 0 });
    const attempts = await env.DB.prepare("SELECT sum(attempts) AS n FROM deliveries WHERE job_id = ? AND state = 'paused'")
      .bind(jobId)
      .first<{ n: number }>();
    expect(attempts!.n).toBe(0);

    // The webhook carries the figures.
    const [notice] = await waitForHooks(hook, 1);
    const body = JSON.parse(notice!.body) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe("campaign.paused");
    expect(body.data).toEqual({ campaignId, ...paused.guard.pause });

    // More bounces while paused: counted, but the crossing was announced once.
    await postSesEvent("bounce", campaignId, [recipients[1]!]);
    await waitForStats(campaignId, (s) => s.bounces.hard === 2);
    await drainHooks();
    expect(await receivedBy(hook)).toHaveLength(1);

    // Resume: the held recipients go back on the queue and out through SES, each once.
    const resumed = await api(`/campaigns/${campaignId}/resume`, { method: "POST" });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({
      campaignId,
      resumed: true,
      requeued: 20,
      stillPaused: 0,
      guard: { paused: false, sendsPaused: false },
    });
    await vi.waitUntil(async () => (await jobCounts(campaignId, jobId)).sent === 40, { timeout: 30_000, interval: 100 });
    expect([...sesCalls].sort()).toEqual(recipients.slice(20).sort());
    expect((await stats(campaignId)).guard).toMatchObject({ paused: false, resumedAt: expect.any(String) });
  });

  it("pauses on the complaint rate, keeps the pause across a restart of the object, and judges afresh after a resume", async () => {
    const { campaignId, recipients, tasks } = await campaignWithJob("complained", 40, { minSent: 20 });
    const clock = sendClock();
    await consumeMessages(asMessages(tasks.slice(0, 20)), clock);
    await waitForStats(campaignId, (s) => s.sent === 20);
    await postSesEvent("complaint", campaignId, [recipients[3]!]);
    const paused = await waitForStats(campaignId, (s) => s.guard.paused);
    expect(paused.guard.pause).toMatchObject({ reason: "complaint_rate", sent: 20, complaints: 1, complaintRate: 0.05 });

    // The object is thrown away and made again from its storage: still paused.
    const stub = campaignStats(env.CAMPAIGN_STATS, campaignId);
    await runInDurableObject(stub, (_instance, state) => state.abort("restart")).catch(() => undefined);
    expect((await campaignStats(env.CAMPAIGN_STATS, campaignId).guardState()).pause).toMatchObject({ reason: "complaint_rate" });

    // Resumed: the complaint that paused it no longer counts; 20 more sends and no complaint keep it sending.
    await api(`/campaigns/${campaignId}/resume`, { method: "POST" });
    await consumeMessages(asMessages(tasks.slice(20)), clock);
    await waitForStats(campaignId, (s) => s.sent === 40);
    expect((await stats(campaignId)).guard.paused).toBe(false);
    // A complaint now is one in the 20 sends since the resume: a second crossing, a second pause.
    await postSesEvent("complaint", campaignId, [recipients[25]!]);
    const again = await waitForStats(campaignId, (s) => s.guard.paused);
    expect(again.guard.pause).toMatchObject({ reason: "complaint_rate", sent: 20, complaints: 1, from: expect.any(String) });
  });

  it("does nothing for a campaign whose guard is turned off", async () => {
    const { campaignId, recipients, tasks, jobId } = await campaignWithJob("unguarded", 30, { minSent: 20, enabled: false });
    const settings = (await (await api(`/campaigns/${campaignId}/settings`)).json()) as { guard: Record<string, unknown> };
    expect(settings.guard).toMatchObject({ enabled: false, minSent: 20, thresholds: { minSent: 20 } });
    const clock = sendClock();
    await consumeMessages(asMessages(tasks.slice(0, 20)), clock);
    await waitForStats(campaignId, (s) => s.sent === 20);
    await postSesEvent("bounce", campaignId, recipients.slice(0, 5));
    await waitForStats(campaignId, (s) => s.bounces.hard === 5);
    expect((await stats(campaignId)).guard).toMatchObject({ enabled: false, paused: false });
    sesCalls = [];
    await consumeMessages(asMessages(tasks.slice(20)), clock);
    expect(sesCalls).toHaveLength(10);
    expect(await jobCounts(campaignId, jobId)).toMatchObject({ sent: 30, paused: 0 });
  });

  it("refuses a single send for a paused campaign with 409 sending_paused, and sends nothing", async () => {
    const { campaignId, recipients, tasks } = await campaignWithJob("single", 20, { minSent: 20 });
    await consumeMessages(asMessages(tasks), sendClock());
    await waitForStats(campaignId, (s) => s.sent === 20);
    await postSesEvent("bounce", campaignId, [recipients[0]!]);
    await waitForStats(campaignId, (s) => s.guard.paused);
    sesCalls = [];
    const res = await api("/send", {
      method: "POST",
      json: { campaignId, to: "someone@example.com", from: "news@example.com", subject: "Hi", text: "hi" },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "sending_paused", pause: { scope: "campaign", reason: "bounce_rate" } });
    expect(sesCalls).toEqual([]);
  });
});
