// Campaign sends mail each recipient at most once, whatever fails: claims, unknown outcomes, redeliveries, resend.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { statsReport } from "../../src/stats/report";
import { campaignStats } from "../../src/objects/stats-client";
import { SEND_EMAIL_PATH } from "../../src/ses/send-email";
import { api, eventsFor, uniqueId, waitForEvents } from "../support/helpers";
import { consume, consumeMessages, asMessages, jobTasks, virtualClock, watchSes } from "../support/send-queue";
import { faultEndpoint, mailsTo, refusedEndpoint, type SesFault } from "../support/ses-faults";

afterEach(() => {
  vi.restoreAllMocks();
});

interface JobReport {
  recipients: number;
  enqueued: number;
  counts: Record<"queued" | "sending" | "sent" | "rejected" | "suppressed" | "unknown", number>;
  unknown: { to: string; position: number; attempts: number; error: string | null }[];
  nextCursor: string | null;
}

async function jobReport(campaignId: string, jobId: string, query = ""): Promise<JobReport> {
  const res = await api(`/campaigns/${campaignId}/jobs/${jobId}${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JobReport;
}

async function newJob(prefix: string, count: number) {
  const campaignId = uniqueId(prefix);
  const recipients = Array.from({ length: count }, (_, i) => `${uniqueId(`${prefix}${i}`)}@example.com`);
  const tasks = await jobTasks(campaignId, recipients);
  return { campaignId, recipients, tasks, jobId: tasks[0]!.jobId };
}

const withSes = (endpoint: string): Env => ({ ...env, SES_ENDPOINT: endpoint });

/**
 * Virtual time in which every SES call made so far has its answer before the next pacing slot (a macrotask
 * after the answers, so the consumer has reacted to them): the recipients SendEmail was called for, in order.
 */
function answeredBeforeNextSlot() {
  const realFetch = globalThis.fetch;
  const answers: Promise<unknown>[] = [];
  const calls: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!new URL(request.url).pathname.endsWith(SEND_EMAIL_PATH)) return realFetch(request);
    calls.push((JSON.parse(await request.clone().text()) as { Destination: { ToAddresses: string[] } }).Destination.ToAddresses[0]!);
    const answer = realFetch(request);
    answers.push(answer.catch(() => undefined));
    return answer;
  });
  const clock = virtualClock();
  const advance = clock.sleep;
  clock.sleep = async (ms) => {
    await advance(ms);
    await Promise.all(answers);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { clock, calls };
}

describe("an SES call whose outcome is unknown", () => {
  it.each<[string, SesFault]>([
    ["its answer is lost (connection closed)", "lost"],
    ["SES answers 500", "500"],
    ["SES answers 200 without a MessageId", "no-id"],
  ])("when SES took the mail but %s: one mail, recorded unknown, not retried; resend-unknown sends it once more", async (_, fault) => {
    const { campaignId, recipients, tasks, jobId } = await newJob("lost", 1);
    const to = recipients[0]!;
    const clock = virtualClock();
    const calls = watchSes(clock);

    const { result } = await consume(tasks, clock, withSes(faultEndpoint(fault)));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(await mailsTo(to)).toBe(1);
    const report = await jobReport(campaignId, jobId);
    expect(report.counts).toMatchObject({ unknown: 1, sent: 0, sending: 0, queued: 0 });
    expect(report.unknown).toEqual([expect.objectContaining({ to, position: 0, attempts: 1 })]);
    expect(report.unknown[0]!.error).toBeTruthy();

    // The queue delivers the task again (as if the ack were lost): SES is not called.
    const again = await consume(tasks, clock, env, 2);
    expect(again.result.explicitAcks).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(await mailsTo(to)).toBe(1);

    // The operator's choice: sent once more, through the real send queue and its consumer.
    vi.restoreAllMocks();
    const resend = await api(`/campaigns/${campaignId}/jobs/${jobId}/resend-unknown`, { method: "POST" });
    expect(resend.status).toBe(202);
    expect(await resend.json()).toEqual({ campaignId, jobId, requeued: 1 });
    await vi.waitUntil(async () => (await jobReport(campaignId, jobId)).counts.sent === 1, { timeout: 15_000, interval: 100 });
    expect(await mailsTo(to)).toBe(2);
    const after = await jobReport(campaignId, jobId);
    expect(after.counts).toMatchObject({ sent: 1, unknown: 0 });
    expect(after.unknown).toEqual([]);
    // Nothing left to resend: a second call queues nothing.
    expect(await (await api(`/campaigns/${campaignId}/jobs/${jobId}/resend-unknown`, { method: "POST" })).json()).toMatchObject({ requeued: 0 });
  });

  it("stops calling SES for the rest of the batch, which is retried and sent once on redelivery", async () => {
    const { campaignId, recipients, tasks, jobId } = await newJob("halt", 3);
    // SES answers (here: the refusal) before the next slot, as it does at a real sending rate.
    const { clock, calls } = answeredBeforeNextSlot();
    // A refused connection looks exactly like a lost answer from inside a Worker: the first is unknown.
    const { messages, result } = await consume(tasks, clock, withSes(refusedEndpoint()));
    expect(calls).toEqual([recipients[0]]);
    expect(result.explicitAcks).toEqual([messages[0]!.id]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([messages[1]!.id, messages[2]!.id].sort());
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ unknown: 1, queued: 2 });

    await consume(tasks.slice(1), clock, env, 2);
    for (const to of recipients.slice(1)) expect(await mailsTo(to)).toBe(1);
    expect(await mailsTo(recipients[0]!)).toBe(0);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ unknown: 1, sent: 2, queued: 0 });
  });

  it("a task left `sending` by a consumer that stopped mid-call becomes unknown and is not sent", async () => {
    const { campaignId, recipients, tasks, jobId } = await newJob("crashed", 1);
    // What a consumer that claimed the recipient and died during its SES call leaves behind.
    await env.DB.prepare("UPDATE deliveries SET state = 'sending', attempts = 1 WHERE job_id = ?").bind(jobId).run();
    const clock = virtualClock();
    const calls = watchSes(clock);
    const { result } = await consume(tasks, clock, env, 2);
    expect(result.explicitAcks).toHaveLength(1);
    expect(calls).toEqual([]);
    expect(await mailsTo(recipients[0]!)).toBe(0);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ unknown: 1, sending: 0 });
  });
});

describe("a task delivered more than once", () => {
  it("is sent once when the queue delivers the same batch again", async () => {
    const { campaignId, recipients, tasks, jobId } = await newJob("twice", 3);
    const clock = virtualClock();
    const calls = watchSes(clock);
    const messages = asMessages(tasks);
    await consumeMessages(messages, clock);
    const again = await consumeMessages(
      messages.map((m) => ({ ...m, attempts: 2 })),
      clock,
    );
    expect(again.result.explicitAcks).toHaveLength(3);
    expect(again.result.retryMessages).toEqual([]);
    expect(calls).toHaveLength(3);
    for (const to of recipients) expect(await mailsTo(to)).toBe(1);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ sent: 3 });
    expect((await waitForEvents(campaignId, 3)).filter((e) => e.type === "send")).toHaveLength(3);
  });

  it("is sent once when two copies are in one batch (a chunk enqueued twice)", async () => {
    const { recipients, tasks } = await newJob("dup", 2);
    const clock = virtualClock();
    const calls = watchSes(clock);
    const { result } = await consume([...tasks, ...tasks], clock);
    expect(result.explicitAcks).toHaveLength(4);
    expect(calls).toHaveLength(2);
    for (const to of recipients) expect(await mailsTo(to)).toBe(1);
  });

  it("is not sent again once rejected or suppressed", async () => {
    const { campaignId, recipients, tasks, jobId } = await newJob("settled", 2);
    await env.DB.prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, 'complaint', ?, NULL, NULL)")
      .bind(recipients[1], Date.now())
      .run();
    const clock = virtualClock();
    const calls = watchSes(
      clock,
      () => new Response(JSON.stringify({ message: "Illegal address" }), { status: 400, headers: { "x-amzn-ErrorType": "BadRequestException" } }),
    );
    await consume(tasks, clock);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ rejected: 1, suppressed: 1 });
    // The suppression is lifted and SES would now take it: a redelivery still sends neither.
    await env.DB.prepare("DELETE FROM suppressions WHERE email = ?").bind(recipients[1]).run();
    vi.restoreAllMocks();
    const again = watchSes(clock);
    await consume(tasks, clock, env, 2);
    expect(calls).toHaveLength(1);
    expect(again).toEqual([]);
  });
});

describe("GET /api/campaigns/<id>/jobs/<jobId>", () => {
  it("pages the unknown recipients in list order", async () => {
    const { campaignId, jobId, recipients } = await newJob("pages", 5);
    await env.DB.prepare("UPDATE deliveries SET state = 'unknown' WHERE job_id = ? AND position <> 2").bind(jobId).run();
    const first = await jobReport(campaignId, jobId, "?limit=3");
    expect(first).toMatchObject({ recipients: 5, enqueued: 5, counts: { unknown: 4, queued: 1 } });
    expect(first.unknown.map((u) => u.to)).toEqual([recipients[0], recipients[1], recipients[3]]);
    const second = await jobReport(campaignId, jobId, `?limit=3&cursor=${first.nextCursor}`);
    expect(second.unknown.map((u) => u.to)).toEqual([recipients[4]]);
    expect(second.nextCursor).toBeNull();
  });

  it("answers 404 for a job of another campaign or none, and 400 for a bad id", async () => {
    const { jobId } = await newJob("owner", 1);
    expect((await api(`/campaigns/${uniqueId("other")}/jobs/${jobId}`)).status).toBe(404);
    expect((await api(`/campaigns/${uniqueId("other")}/jobs/${jobId}/resend-unknown`, { method: "POST" })).status).toBe(404);
    expect((await api(`/campaigns/c/jobs/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await api(`/campaigns/c/jobs/bad.id`)).status).toBe(400);
  });
});

describe("the send event when the events queue refuses it", () => {
  it("is stored directly, so the campaign's sent count has every mail that went out", async () => {
    const { campaignId, recipients, tasks } = await newJob("noqueue", 2);
    const clock = virtualClock();
    const events: Queue = {
      send: async () => Promise.reject(new Error("queue unavailable")),
      sendBatch: async () => Promise.reject(new Error("queue unavailable")),
    } as unknown as Queue;
    await consume(tasks, clock, { ...env, EVENTS: events });
    for (const to of recipients) expect(await mailsTo(to)).toBe(1);
    const rows = await eventsFor(campaignId);
    expect(rows.map((r) => [r.type, r.email]).sort()).toEqual(recipients.map((to) => ["send", to]).sort());
    expect(statsReport(campaignId, await campaignStats(env.CAMPAIGN_STATS, campaignId).counts())).toMatchObject({ sent: 2 });
  });
});
