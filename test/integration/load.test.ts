// A small load run inside the test suite: concurrent pixel, click and invalid requests and signed SNS notifications
// (a share of them replayed) through the worker and the real local queue; afterwards D1 holds exactly one event per
// valid request and per distinct notification, and every campaign's counters equal counts computed from D1 (the
// large run is `npm run load`).
import { env, exports } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { COUNTS_FROM_D1_SQL, countsByCampaign, type CampaignCountsRow } from "../support/d1-counts";
import { addCounts, planNotifications } from "../support/sns-traffic";
import { expectedCounts, mintTokenSet, planRequests, type PlannedRequest } from "../support/traffic";
import { campaignStats } from "../../src/objects/stats-client";
import type { Counts } from "../../src/stats/counting";
import { fixtureText } from "../support/fixtures";
import { BROWSER_UA, get, ORIGIN, uniqueId } from "../support/helpers";
import { createTestSigner } from "../support/sns-signer";

const REQUESTS = 400;
const NOTIFICATIONS = 100;
const REPLAY_SHARE = 0.25;
const CAMPAIGNS = 4;

async function storedCounts(prefix: string): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT campaign_id AS c, type AS t, count(*) AS n FROM events WHERE campaign_id LIKE ? GROUP BY campaign_id, type",
  )
    .bind(`${prefix}-%`)
    .all<{ c: string; t: string; n: number }>();
  return new Map(results.map((r) => [`${r.c}|${r.t}`, r.n]));
}

/** Campaigns whose Durable Object counters differ from the counts recomputed from D1. */
async function countersDifferingFromD1(prefix: string): Promise<Array<{ campaignId: string; counters: Counts; d1: Counts }>> {
  const { results } = await env.DB.prepare(COUNTS_FROM_D1_SQL).bind(prefix).all<CampaignCountsRow>();
  const differing = [];
  for (const [campaignId, d1] of countsByCampaign(results)) {
    const counters = await campaignStats(env.CAMPAIGN_STATS, campaignId).counts();
    if (JSON.stringify(counters) !== JSON.stringify(d1)) differing.push({ campaignId, counters, d1 });
  }
  return differing;
}

afterEach(() => {
  vi.restoreAllMocks();
});

it(`stores exactly one event per valid request out of ${REQUESTS} and per distinct notification out of ${NOTIFICATIONS} (+${REPLAY_SHARE * 100}% replayed), concurrently; counters equal D1`, async () => {
  const runId = uniqueId("load");
  const set = await mintTokenSet({ runId, campaigns: CAMPAIGNS, contactsPerCampaign: 25 });
  const plan = planRequests(set, REQUESTS);
  expect(plan.some((r) => r.expect.kind === "invalid")).toBe(true);

  const signer = await createTestSigner();
  const campaigns = Array.from({ length: CAMPAIGNS }, (_, c) => `${runId}-c${c}`);
  const sns = await planNotifications({
    signer,
    fixture: fixtureText,
    campaigns,
    contactsPerCampaign: 25,
    count: NOTIFICATIONS,
    replayShare: REPLAY_SHARE,
  });
  expect(sns.replayed).toBe(NOTIFICATIONS * REPLAY_SHARE);
  // The worker fetches its signing certificate; only that URL is answered, anything else fails the run.
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== signer.certUrl) throw new Error(`unexpected fetch of ${url}`);
    return new Response(signer.certificatePem);
  });

  const pixelsAndClicks = Promise.all(
    plan.map(async (planned: PlannedRequest) => {
      // A person's browser (requests without an agent would all be counted as machines'), each from its own network.
      const response = await get(planned.path, { headers: { ...planned.headers, "user-agent": BROWSER_UA } });
      await response.arrayBuffer();
      return { planned, status: response.status, location: response.headers.get("location") };
    }),
  );
  const notifications = Promise.all(
    sns.bodies.map(async (body) => {
      const response = await exports.default.fetch(
        new Request(`${ORIGIN}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body }),
      );
      return { status: response.status, answer: await response.json<{ status?: string }>() };
    }),
  );
  const [answers, snsAnswers] = await Promise.all([pixelsAndClicks, notifications]);
  for (const { planned, status, location } of answers) {
    expect(status).toBe(planned.expect.status);
    expect(location).toBe(planned.expect.kind === "click" ? planned.expect.location : null);
  }
  for (const { status, answer } of snsAnswers) {
    expect(status).toBe(200);
    // A replay racing its first copy may be enqueued twice (storage absorbs it); it is never anything else.
    expect(["enqueued", "duplicate"]).toContain(answer.status);
  }
  expect(fetchSpy.mock.calls.every(([input]) => (input instanceof Request ? input.url : String(input)) === signer.certUrl)).toBe(true);

  const expected = addCounts(expectedCounts(plan), sns.expected);
  const stored = await vi.waitUntil(
    async () => {
      const now = await storedCounts(runId);
      return [...expected].every(([k, v]) => (now.get(k) ?? 0) >= v) ? now : false;
    },
    { timeout: 25_000, interval: 250 },
  );
  expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));

  // The counters are updated right after D1 in the same consumer pass: wait for the last batch, then compare all.
  const differing = await vi
    .waitUntil(
      async () => {
        const now = await countersDifferingFromD1(runId);
        return now.length === 0 ? now : false;
      },
      { timeout: 10_000, interval: 250 },
    )
    .catch(() => countersDifferingFromD1(runId));
  expect(differing).toEqual([]);
  for (const campaignId of campaigns) {
    const counts = await campaignStats(env.CAMPAIGN_STATS, campaignId).counts();
    // Not vacuous: every campaign got pixel opens, redirect clicks and SES events.
    expect(counts.opens).toBe(expected.get(`${campaignId}|open`)! - sns.expected.get(`${campaignId}|open`)!);
    expect(counts.opensSes).toBe(sns.expected.get(`${campaignId}|open`));
    expect(counts.sent).toBe(sns.expected.get(`${campaignId}|send`));
  }
});
