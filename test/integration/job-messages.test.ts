// A campaign send keeps its message (HTML, text) only while a recipient may still need it, and an erased recipient
// whose turn has not come is never mailed.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MESSAGE_KEPT_MS } from "../../src/db/job-messages";
import { applyRetention } from "../../src/cron/retention";
import { api, uniqueId } from "../support/helpers";
import { consume, jobTasks, virtualClock, watchSes } from "../support/send-queue";
import { faultEndpoint } from "../support/ses-faults";

afterEach(() => {
  vi.restoreAllMocks();
});

async function job(jobId: string) {
  return env.DB.prepare("SELECT html, text, finished_at FROM send_jobs WHERE id = ?")
    .bind(jobId)
    .first<{ html: string | null; text: string | null; finished_at: number | null }>();
}

async function report(campaignId: string, jobId: string) {
  return (await api(`/campaigns/${campaignId}/jobs/${jobId}`)).json<{ finishedAt: string | null; counts: Record<string, number> }>();
}

const recipients = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${uniqueId(`${prefix}${i}`)}@example.com`);

describe("a send job's message", () => {
  it("is cleared once every recipient is settled (sent or suppressed), not before", async () => {
    const campaignId = uniqueId("msg");
    const [a, b, c] = recipients("m", 3);
    await env.DB.prepare("INSERT INTO suppressions (email, reason, since) VALUES (?, 'complaint', ?)").bind(c, Date.now()).run();
    const tasks = await jobTasks(campaignId, [a!, b!, c!]);
    const jobId = tasks[0]!.jobId;
    const clock = virtualClock();
    watchSes(clock);

    await consume(tasks.slice(0, 1), clock);
    expect(await job(jobId)).toMatchObject({ html: expect.stringContaining("shop"), finished_at: null });

    await consume(tasks.slice(1), clock);
    expect(await job(jobId)).toEqual({ html: null, text: null, finished_at: expect.any(Number) });
    expect(await report(campaignId, jobId)).toMatchObject({ finishedAt: expect.any(String), counts: { sent: 2, suppressed: 1 } });
  });

  it("is kept while an outcome is unknown (it may be resent), and cleared 14 days after the job began", async () => {
    const campaignId = uniqueId("msg-unknown");
    const tasks = await jobTasks(campaignId, recipients("u", 1));
    const jobId = tasks[0]!.jobId;
    await consume(tasks, virtualClock(), { ...env, SES_ENDPOINT: faultEndpoint("500") });
    expect(await report(campaignId, jobId)).toMatchObject({ finishedAt: null, counts: { unknown: 1 } });
    expect((await job(jobId))!.html).not.toBeNull();

    const later = Date.now() + MESSAGE_KEPT_MS + 60_000;
    expect((await applyRetention(env, later)).jobMessagesCleared).toBeGreaterThanOrEqual(1);
    expect(await job(jobId)).toEqual({ html: null, text: null, finished_at: later });
    const resend = await api(`/campaigns/${campaignId}/jobs/${jobId}/resend-unknown`, { method: "POST" });
    expect(resend.status).toBe(409);
    expect(await report(campaignId, jobId)).toMatchObject({ counts: { unknown: 1, queued: 0 } });
  });

  it("never reaches a recipient erased before their turn: the claim is settled as suppressed, anonymised", async () => {
    const campaignId = uniqueId("msg-erased");
    const [kept, erased] = recipients("e", 2);
    const tasks = await jobTasks(campaignId, [kept!, erased!]);
    const jobId = tasks[0]!.jobId;
    const res = await api(`/contacts/${encodeURIComponent(erased!)}`, { method: "DELETE" });
    expect(await res.json()).toMatchObject({ erased: { deliveries: 1 } });

    const clock = virtualClock();
    const calls = watchSes(clock);
    const { result } = await consume(tasks, clock);
    expect(result.explicitAcks).toHaveLength(2);
    expect(calls.map((c) => c.to)).toEqual([kept]);
    expect(await report(campaignId, jobId)).toMatchObject({ finishedAt: expect.any(String), counts: { sent: 1, suppressed: 1 } });
    const rows = await env.DB.prepare("SELECT recipient, email, state, error FROM deliveries WHERE job_id = ? ORDER BY position").bind(jobId).all();
    expect(rows.results).toEqual([
      { recipient: kept, email: kept, state: "sent", error: null },
      { recipient: expect.stringMatching(/^erased:[A-Za-z0-9_-]{43}$/), email: "", state: "suppressed", error: "erased" },
    ]);
  });
});
