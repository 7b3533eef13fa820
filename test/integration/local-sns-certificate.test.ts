// The local SES publisher's certificate (`npm start`, scripts/local-ses/) through POST /sns: refused, with nothing
// fetched, by a worker with wrangler.toml's settings; verified when SNS_LOCAL_CERTIFICATE_URL names its exact URL,
// and then its bounce and complaint of the simulator addresses suppress through the queue and the consumer.
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { sesEventsFor } from "../../scripts/local-ses/ses-events";
import { createSnsSigner, randomHex, signedNotification, type SnsSigner } from "../../scripts/local-ses/sns-signer";
import worker from "../../src/index";
import { CAMPAIGN_TAG, encodeTagValue } from "../../src/ses/tags";
import { ORIGIN, uniqueId, waitForEvents } from "../support/helpers";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic";

let signer: SnsSigner;
let fetchSpy: MockInstance<typeof fetch>;

function urlOf(input: RequestInfo | URL): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

beforeAll(async () => {
  // As scripts/local-ses/local-ses.ts makes it: a loopback URL with a random name, a self-made certificate.
  signer = await createSnsSigner({ certUrl: `http://127.0.0.1:8005/sns/SimpleNotificationService-local-${randomHex(8)}.pem` });
});

beforeEach(() => {
  fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = urlOf(input);
    if (url === signer.certUrl) return new Response(signer.certificatePem);
    throw new Error(`unexpected fetch of ${url}`);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function fetchedUrls(): string[] {
  return fetchSpy.mock.calls.map(([input]) => urlOf(input));
}

/** What the local publisher posts for one mail to `to`, tagged for the campaign, in SES's order. */
async function publisherNotifications(campaignId: string, to: string, by = signer) {
  const events = sesEventsFor({
    messageId: `ses-${randomHex(6)}`,
    from: "Shop <shop@example.com>",
    to: [to],
    subject: "Hello",
    tags: [{ Name: CAMPAIGN_TAG, Value: encodeTagValue(campaignId) }],
    configurationSet: null,
    sentAt: new Date(),
  });
  return Promise.all(events.map((event) => signedNotification(by, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(event) })));
}

function post(body: unknown, bindings?: Env): Promise<Response> {
  const request = new Request(`${ORIGIN}/sns`, {
    method: "POST",
    headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-topic-arn": TEST_SNS_TOPIC_ARN },
    body: JSON.stringify(body),
  });
  if (!bindings) return exports.default.fetch(request);
  return Promise.resolve(worker.fetch(request, bindings, createExecutionContext()));
}

describe("the local SES publisher's certificate", () => {
  it("is refused by a worker with wrangler.toml's settings, which fetches nothing at all", async () => {
    // The pool runs wrangler.toml's [vars]; vitest.config.ts does not set this one, so it is what a deployment ships.
    const shipped = /^SNS_LOCAL_CERTIFICATE_URL = "(.*)"$/m.exec(wranglerToml);
    expect(shipped?.[1]).toBe("");
    expect(env.SNS_LOCAL_CERTIFICATE_URL).toBe(shipped?.[1]);
    for (const message of await publisherNotifications(uniqueId("local-refused"), "bounce@simulator.amazonses.com")) {
      const res = await post(message);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "forbidden", reason: "untrusted_certificate_url" });
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("verifies when SNS_LOCAL_CERTIFICATE_URL names its exact URL, and refuses any other local URL without fetching it", async () => {
    const on = { ...env, SNS_LOCAL_CERTIFICATE_URL: signer.certUrl };
    const campaignId = uniqueId("local-on");
    const notifications = await publisherNotifications(campaignId, "success@simulator.amazonses.com");
    for (const message of notifications) {
      const res = await post(message, on);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "enqueued" });
    }
    const rows = await waitForEvents(campaignId, 2);
    expect(rows.map((r) => r.type).sort()).toEqual(["delivery", "send"]);
    expect(fetchedUrls()).toEqual([signer.certUrl]);

    // Another certificate on the same host, one path away: not the named URL, so not trusted and not fetched.
    const other = await createSnsSigner({ certUrl: signer.certUrl.replace(/\.pem$/, "-other.pem") });
    const [send] = await publisherNotifications(uniqueId("local-other"), "success@simulator.amazonses.com", other);
    const res = await post(send, on);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden", reason: "untrusted_certificate_url" });
    expect(fetchedUrls()).toEqual([signer.certUrl]);
  });

  it("turns the simulator's bounce and complaint into suppressions, and the campaign's stats count them", async () => {
    const on = { ...env, SNS_LOCAL_CERTIFICATE_URL: signer.certUrl };
    const campaignId = uniqueId("local-loop");
    const bounced = `bounce+${campaignId}@simulator.amazonses.com`;
    const complained = `complaint+${campaignId}@simulator.amazonses.com`;
    for (const to of [bounced, complained]) {
      for (const message of await publisherNotifications(campaignId, to)) expect((await post(message, on)).status).toBe(200);
    }
    // Send + Bounce, Send + Delivery + Complaint.
    const rows = await waitForEvents(campaignId, 5);
    expect(rows.map((r) => `${r.type} ${r.email}`).sort()).toEqual(
      [`bounce ${bounced}`, `complaint ${complained}`, `delivery ${complained}`, `send ${bounced}`, `send ${complained}`].sort(),
    );
    const suppressed = await env.DB.prepare("SELECT email, reason FROM suppressions WHERE email IN (?, ?) ORDER BY email")
      .bind(bounced, complained)
      .all();
    expect(suppressed.results).toEqual([
      { email: bounced, reason: "hard_bounce" },
      { email: complained, reason: "complaint" },
    ]);
    const stats = (await (
      await exports.default.fetch(
        new Request(`${ORIGIN}/api/campaigns/${campaignId}/stats`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } }),
      )
    ).json()) as { sent: number; delivered: number; bounces: { hard: number }; complaints: number };
    expect(stats).toMatchObject({ sent: 2, delivered: 1, bounces: { hard: 1 }, complaints: 1 });
  });
});
