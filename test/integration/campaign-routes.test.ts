// /api/campaigns/<id>/…: one campaign-id check on every route, and the job report's page named as every list's is.
import { describe, expect, it } from "vitest";
import { api, uniqueId } from "../support/helpers";
import { jobTasks, MESSAGE } from "../support/send-queue";

describe("/api/campaigns/<id>/…", () => {
  it("answers 400 naming campaignId for the same bad id on every route", async () => {
    const bad = encodeURIComponent("bad id");
    const routes: Array<[string, RequestInit & { json?: unknown }]> = [
      [`/campaigns/${bad}/stats`, {}],
      [`/campaigns/${bad}/timeline`, {}],
      [`/campaigns/${bad}/links`, {}],
      [`/campaigns/${bad}/rebuild`, { method: "POST" }],
      [`/campaigns/${bad}/send`, { method: "POST", json: { ...MESSAGE, recipients: [{ to: "a@example.com" }] } }],
      [`/campaigns/${bad}/settings`, {}],
      [`/campaigns/${bad}/settings`, { method: "PUT", json: { track: { opens: false } } }],
      [`/campaigns/${bad}/jobs/some-job`, {}],
      [`/campaigns/${bad}/jobs/some-job/resend-unknown`, { method: "POST" }],
      [`/campaigns/${bad}/jobs/some-job/send-dead-lettered`, { method: "POST" }],
    ];
    for (const [path, init] of routes) {
      const res = await api(path, init);
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(400);
      expect(await res.json(), path).toEqual({ error: "validation_failed", message: expect.stringMatching(/^campaignId: must be 1-64 characters/) });
    }
  });

  it("answers a job report whose page of unknown recipients has a cursor, as every list does, and its first name nextCursor", async () => {
    const campaignId = uniqueId("routes-job");
    const [task] = await jobTasks(campaignId, ["a@example.com", "b@example.com"]);
    const res = await api(`/campaigns/${campaignId}/jobs/${task!.jobId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ campaignId, jobId: task!.jobId, recipients: 2, unknown: [], cursor: null, nextCursor: null });
    const other = await api(`/campaigns/${uniqueId("routes-other")}/jobs/${task!.jobId}`);
    expect(other.status).toBe(404);
  });
});
