// Verified SNS Notifications per second end to end: POST /sns through the worker until the events are in D1.
//
// Run by `npm run bench` through vitest.bench.config.ts. Inside the vitest pool because the worker must fetch the
// signing certificate from an amazonaws.com URL, which nothing local can serve to `wrangler dev`: here a test key
// pair and self-made certificate sign the messages (test/support/sns-signer.ts) and the certificate fetch is intercepted.
// Messages are signed before the clock starts (signing is SNS's work, not ours). Each run POSTs fresh notifications
// (SES send, delivery, open and click records, one event each) with a fixed number in flight, then polls D1 until
// every event is stored; the real local queue delivers batches of up to 100 after at most 2 s (wrangler.toml).
import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { CAMPAIGN_TAG, encodeTagValue } from "../../src/ses/tags";
import { fixtureJson } from "../../test/support/fixtures";
import { ORIGIN } from "../../test/support/helpers";
import { createTestSigner, signedNotification, type TestSigner } from "../../test/support/sns-signer";
import { TEST_SNS_TOPIC_ARN } from "../../test/support/sns-topic";
import { anchoredNow, benchLine } from "./timing";

const RUNS = 3;
const NOTIFICATIONS = 600;
const IN_FLIGHT = 16;
/** Listed in SNS_TOPIC_ARNS by vitest.config.ts. */
const TOPIC = TEST_SNS_TOPIC_ARN;
const RECORDS = ["send", "delivery", "open", "click"].map((t) => `ses/event-publishing__${t}-record.json`);

let signer: TestSigner;

beforeAll(async () => {
  signer = await createTestSigner();
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url === signer.certUrl) return new Response(signer.certificatePem);
    throw new Error(`unexpected fetch of ${url}`);
  });
});

afterAll(() => {
  vi.restoreAllMocks();
});

function sesMessage(record: string, campaignId: string, n: number): string {
  const payload = fixtureJson<Record<string, any>>(record);
  payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)] };
  payload.mail.messageId = `${payload.mail.messageId}-${campaignId}-${n}`;
  return JSON.stringify(payload);
}

async function stored(campaignId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE campaign_id = ?").bind(campaignId).first<{ n: number }>();
  return row?.n ?? 0;
}

function post(body: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-topic-arn": TOPIC }, body }),
  );
}

it(`sns ingestion: ${RUNS} runs of ${NOTIFICATIONS} notifications, ${IN_FLIGHT} in flight`, { timeout: 600_000 }, async () => {
  // One warm-up message: the certificate is fetched and its key imported once per isolate, as in production.
  const warm = await signedNotification(signer, { topicArn: TOPIC, message: sesMessage(RECORDS[0]!, "sns-bench-warm", 0) });
  expect((await post(JSON.stringify(warm))).status).toBe(200);

  const postsPerSecond: number[] = [];
  const endToEndPerSecond: number[] = [];
  const drainSeconds: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const campaignId = `sns-bench-${run}-${crypto.randomUUID().slice(0, 8)}`;
    const bodies = await Promise.all(
      Array.from({ length: NOTIFICATIONS }, async (_, i) =>
        JSON.stringify(await signedNotification(signer, { topicArn: TOPIC, message: sesMessage(RECORDS[i % RECORDS.length]!, campaignId, i) })),
      ),
    );
    const outcomes: string[] = [];
    let next = 0;
    const started = await anchoredNow();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < bodies.length) {
          const res = await post(bodies[next++]!);
          outcomes.push(res.status === 200 ? ((await res.json()) as { status: string }).status : String(res.status));
        }
      }),
    );
    const posted = await anchoredNow();
    expect(outcomes.filter((o) => o !== "enqueued")).toEqual([]);
    while ((await stored(campaignId)) < NOTIFICATIONS) await new Promise((r) => setTimeout(r, 25));
    const done = performance.now();
    expect(await stored(campaignId)).toBe(NOTIFICATIONS);
    postsPerSecond.push(NOTIFICATIONS / ((posted - started) / 1000));
    endToEndPerSecond.push(NOTIFICATIONS / ((done - started) / 1000));
    drainSeconds.push((done - posted) / 1000);
  }
  benchLine("snsIngest", { notifications: NOTIFICATIONS, inFlight: IN_FLIGHT, runs: RUNS, postsPerSecond, endToEndPerSecond, drainSeconds });
});
