// A send task dead-lettered after its throttling retries: its recipient is reported dead_lettered, and an operator's
// send-dead-lettered mails it once (it never reached SES), however often it is called.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SEND_DLQ } from "../../src/config/queues";
import { api, uniqueId } from "../support/helpers";
import { deliver } from "../support/queue";
import { asMessages, consumeMessages, jobTasks, virtualClock } from "../support/send-queue";
import { faultEndpoint, mailsTo } from "../support/ses-faults";

afterEach(() => {
  vi.restoreAllMocks();
});

interface JobReport {
  counts: Record<string, number>;
}

async function jobReport(campaignId: string, jobId: string): Promise<JobReport> {
  const res = await api(`/campaigns/${campaignId}/jobs/${jobId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JobReport;
}

const sendDeadLettered = (campaignId: string, jobId: string) => api(`/campaigns/${campaignId}/jobs/${jobId}/send-dead-lettered`, { method: "POST" });

describe("a send task dead-lettered after SES throttled it", () => {
  it("is reported dead_lettered, not queued for ever, and send-dead-lettered mails it exactly once", async () => {
    const campaignId = uniqueId("dlq-send");
    const throttled = `${uniqueId("throttled")}@example.com`;
    const sent = `${uniqueId("sent")}@example.com`;
    const tasks = await jobTasks(campaignId, [throttled, sent]);
    const jobId = tasks[0]!.jobId;
    const [throttledMsg, sentMsg] = asMessages(tasks);

    // The sent one goes out; the throttled one is given back to `queued` and retried, until Queues gives up on it.
    await consumeMessages([sentMsg!], virtualClock());
    const { result } = await consumeMessages([throttledMsg!], virtualClock(), { ...env, SES_ENDPOINT: faultEndpoint("throttle") });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([throttledMsg!.id]);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ queued: 1, sent: 1, dead_lettered: 0 });

    // Both tasks reach the send DLQ (the sent one as a stray second copy): only the queued recipient changes.
    const dlq = await deliver(SEND_DLQ, [
      { ...throttledMsg!, attempts: 11 },
      { ...sentMsg!, attempts: 11 },
    ]);
    expect(dlq.explicitAcks.sort()).toEqual([throttledMsg!.id, sentMsg!.id].sort());
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ queued: 0, sent: 1, dead_lettered: 1 });
    const row = await env.DB.prepare("SELECT state, error FROM deliveries WHERE job_id = ? AND email = ?")
      .bind(jobId, throttled)
      .first<{ state: string; error: string }>();
    expect(row).toMatchObject({ state: "dead_lettered", error: expect.stringContaining("dead-lettered") });
    // Delivered again to the DLQ: nothing changes.
    await deliver(SEND_DLQ, [{ ...throttledMsg!, attempts: 12 }]);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ dead_lettered: 1 });
    expect(await mailsTo(throttled)).toBe(0);

    // The operator's send, through the real send queue and its consumer.
    const res = await sendDeadLettered(campaignId, jobId);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ campaignId, jobId, requeued: 1 });
    await vi.waitUntil(async () => (await jobReport(campaignId, jobId)).counts.sent === 2, { timeout: 15_000, interval: 100 });
    expect(await mailsTo(throttled)).toBe(1);
    expect(await mailsTo(sent)).toBe(1);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ dead_lettered: 0, queued: 0 });

    // Nothing left: a second call queues nothing and mails nobody.
    expect(await (await sendDeadLettered(campaignId, jobId)).json()).toEqual({ campaignId, jobId, requeued: 0 });
    expect(await mailsTo(throttled)).toBe(1);
  });

  it("two calls at once queue each recipient once", async () => {
    const campaignId = uniqueId("dlq-race");
    const to = `${uniqueId("race")}@example.com`;
    const tasks = await jobTasks(campaignId, [to]);
    const jobId = tasks[0]!.jobId;
    await deliver(SEND_DLQ, asMessages(tasks, 11));
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ dead_lettered: 1 });
    const answers = await Promise.all([sendDeadLettered(campaignId, jobId), sendDeadLettered(campaignId, jobId)]);
    const requeued = await Promise.all(answers.map(async (r) => ((await r.json()) as { requeued: number }).requeued));
    expect(requeued.sort()).toEqual([0, 1]);
    await vi.waitUntil(async () => (await jobReport(campaignId, jobId)).counts.sent === 1, { timeout: 15_000, interval: 100 });
    expect(await mailsTo(to)).toBe(1);
  });

  it("answers 404 for a job of another campaign, changing nothing (503 without AWS keys: tracking-only.test.ts)", async () => {
    const campaignId = uniqueId("dlq-404");
    const tasks = await jobTasks(campaignId, [`${uniqueId("x")}@example.com`]);
    const jobId = tasks[0]!.jobId;
    await deliver(SEND_DLQ, asMessages(tasks, 11));
    expect((await sendDeadLettered(uniqueId("other"), jobId)).status).toBe(404);
    expect((await jobReport(campaignId, jobId)).counts).toMatchObject({ dead_lettered: 1 });
  });
});
