// Erasure never reopens a side effect (issue 23 §4): an Idempotency-Key is stored as its keyed digest and its answer
// names nobody, so erasing the person a key names leaves the record whole; a repeat is a replay, one mail, one job.
// Rows stored before digests are moved to their digest when seen, and by the scheduled run.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { database } from "../../src/db/client";
import { requestFingerprint } from "../../src/domain/idempotency";
import { digestLegacyKeys, idempotencyDigest } from "../../src/privacy/idempotency-digest";
import { api, uniqueId, waitForEvents } from "../support/helpers";
import { MESSAGE } from "../support/send-queue";
import { mailCounts, mailsOnceArrived } from "../support/ses-faults";
import { d1Mentions } from "../support/storage-scan";

afterEach(() => {
  vi.restoreAllMocks();
});

function campaignSend(campaignId: string, json: unknown, key: string) {
  return api(`/campaigns/${campaignId}/send`, { method: "POST", json, headers: { "Idempotency-Key": key } });
}

describe("an Idempotency-Key that names a person, and that person's erasure", () => {
  it("a campaign send keyed newsletter-<address>, the address erased, the same request again: one mail, the same job", async () => {
    const campaignId = uniqueId("newsletter");
    const ann = `ann.${uniqueId("k")}@example.com`;
    const key = `newsletter-${ann}`;
    const body = { ...MESSAGE, recipients: [{ to: ann }] };
    const first = await campaignSend(campaignId, body, key);
    expect(first.status).toBe(202);
    const firstBody = await first.json<{ jobId: string; idempotencyKey: string }>();
    expect(firstBody.idempotencyKey).toBe(key);
    await waitForEvents(campaignId, 1);
    expect(await mailsOnceArrived([ann])).toEqual([1]);

    // Positive control for the scan below: the person is in D1 before erasure.
    expect((await d1Mentions(env.DB, [ann])).length).toBeGreaterThan(0);
    const erased = await api(`/contacts/${encodeURIComponent(ann)}`, { method: "DELETE" });
    expect(erased.status).toBe(200);
    expect(await erased.json()).toMatchObject({ erased: { idempotencyKeys: 0, deliveries: 1 } });
    // The idempotency row is still there, under its digest, and neither it nor anything else names the person.
    const row = await env.DB.prepare("SELECT key, response FROM idempotency_keys WHERE key = ?")
      .bind(await idempotencyDigest({ erasureKey: env.ERASURE_KEY }, key))
      .first<{ key: string; response: string }>();
    expect(row).not.toBeNull();
    expect(await d1Mentions(env.DB, [ann, key])).toEqual([]);

    const again = await campaignSend(campaignId, body, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Idempotency-Key")).toBe(key);
    // The caller's own key is back in the answer; the job is the first one.
    expect(await again.json()).toEqual(firstBody);
    const jobs = await env.DB.prepare("SELECT count(*) AS n FROM send_jobs WHERE campaign_id = ?").bind(campaignId).first<{ n: number }>();
    expect(jobs!.n).toBe(1);
    // No second job, so no second task: the one mail is all there will be.
    expect(await mailCounts([ann])).toEqual([1]);
  });

  it("a job resumed after a recipient was erased never claims or mails them again", async () => {
    const campaignId = uniqueId("resume");
    const ann = `ann.${uniqueId("r")}@example.com`;
    const bob = `bob.${uniqueId("r")}@example.com`;
    const key = uniqueId("key");
    const body = { ...MESSAGE, recipients: [{ to: ann }, { to: bob }] };
    const first = await (await campaignSend(campaignId, body, key)).json<{ jobId: string }>();
    await waitForEvents(campaignId, 2);
    expect(await mailsOnceArrived([ann, bob])).toEqual([1, 1]);
    expect((await api(`/contacts/${encodeURIComponent(ann)}`, { method: "DELETE" })).status).toBe(200);

    // As if the first request had died before its answer and before counting its enqueues, and the job were not
    // finished yet: a repeat takes over and enqueues every task again.
    const digest = await idempotencyDigest({ erasureKey: env.ERASURE_KEY }, key);
    await env.DB.batch([
      env.DB.prepare("UPDATE idempotency_keys SET state = 'in_progress', locked_until = 0, status = NULL, response = NULL WHERE key = ?").bind(
        digest,
      ),
      env.DB.prepare("UPDATE send_jobs SET enqueued = 0, finished_at = NULL WHERE id = ?").bind(first.jobId),
    ]);
    const logged: string[] = [];
    const realLog = console.log;
    vi.spyOn(console, "log").mockImplementation((line: string) => {
      logged.push(String(line));
      realLog(line);
    });
    const resumed = await campaignSend(campaignId, body, key);
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toMatchObject({ jobId: first.jobId, queued: 2 });
    // Both tasks travel the queue again; each is acknowledged without a call to SES (ann: erased; bob: sent before).
    const seen = (msg: string) => logged.some((l) => l.includes(msg) && l.includes(first.jobId));
    await vi.waitUntil(() => seen("send skipped: the recipient was erased") && seen("send skipped: recipient already handled"), {
      timeout: 20_000,
      interval: 100,
    });
    const { results } = await env.DB.prepare("SELECT recipient, state FROM deliveries WHERE job_id = ? ORDER BY position")
      .bind(first.jobId)
      .all<{ recipient: string; state: string }>();
    expect(results.map((r) => r.state)).toEqual(["sent", "sent"]);
    expect(results[0]!.recipient.startsWith("erased:")).toBe(true);
    expect(await mailCounts([ann, bob])).toEqual([1, 1]);
  });

  it("moves a row stored before digests to its digest: a repeat still replays, with the caller's key and no address kept", async () => {
    const campaignId = uniqueId("legacy");
    const ann = `ann.${uniqueId("l")}@example.com`;
    const key = `legacy-${ann}`;
    const body = { ...MESSAGE, recipients: [{ to: ann }] };
    const fingerprint = await requestFingerprint("POST", `/api/campaigns/${campaignId}/send`, { ...body, recipients: [{ to: ann }] });
    const now = Date.now();
    const response = JSON.stringify({
      campaignId,
      jobId: "job-before-digests",
      queued: 1,
      duplicates: 0,
      idempotencyKey: key,
      note: `sent to ${ann}`,
    });
    const other = `other-${uniqueId("l")}@example.com`;
    await env.DB.batch(
      [key, other].map((k) =>
        env.DB.prepare(
          `INSERT INTO idempotency_keys (key, digested, fingerprint, state, locked_until, job_id, status, response, created_at, expires_at)
           VALUES (?, 0, ?, 'done', 0, 'job-before-digests', 202, ?, ?, ?)`,
        ).bind(k, fingerprint, response, now, now + 3_600_000),
      ),
    );

    const replay = await campaignSend(campaignId, body, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toMatchObject({ jobId: "job-before-digests", idempotencyKey: key, note: "sent to [address]" });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM send_jobs WHERE campaign_id = ?").bind(campaignId).first("n")).toBe(0);

    // The scheduled run moves the rest; then no row is stored under a caller's key.
    expect(await digestLegacyKeys(database(env.DB), { erasureKey: env.ERASURE_KEY })).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE digested = 0").first("n")).toBe(0);
    expect(await d1Mentions(env.DB, [key, other, ann])).toEqual([]);
  });
});
