// A small load run inside the test suite: concurrent pixel, click and invalid requests through the worker and the
// real local queue; afterwards D1 holds exactly one event per valid request (the large run is `npm run test:load`).
import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { expectedCounts, mintTokenSet, planRequests, type PlannedRequest } from "../bench/traffic";
import { get, uniqueId } from "./helpers";

const REQUESTS = 400;

async function storedCounts(prefix: string): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT campaign_id AS c, type AS t, count(*) AS n FROM events WHERE campaign_id LIKE ? GROUP BY campaign_id, type",
  )
    .bind(`${prefix}-%`)
    .all<{ c: string; t: string; n: number }>();
  return new Map(results.map((r) => [`${r.c}|${r.t}`, r.n]));
}

it(`stores exactly one event per valid request out of ${REQUESTS} concurrent ones, and none from invalid ones`, async () => {
  const runId = uniqueId("load");
  const set = await mintTokenSet({ runId, campaigns: 4, contactsPerCampaign: 25 });
  const plan = planRequests(set, REQUESTS);
  expect(plan.some((r) => r.expect.kind === "invalid")).toBe(true);

  const answers = await Promise.all(
    plan.map(async (planned: PlannedRequest) => {
      const response = await get(planned.path);
      await response.arrayBuffer();
      return { planned, status: response.status, location: response.headers.get("location") };
    }),
  );
  for (const { planned, status, location } of answers) {
    expect(status).toBe(planned.expect.status);
    expect(location).toBe(planned.expect.kind === "click" ? planned.expect.location : null);
  }

  const expected = expectedCounts(plan);
  const stored = await vi.waitUntil(
    async () => {
      const now = await storedCounts(runId);
      return [...expected].every(([k, v]) => (now.get(k) ?? 0) >= v) ? now : false;
    },
    { timeout: 25_000, interval: 250 },
  );
  expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));
});
