// POST /sns through the Worker: signed messages (test key pair, self-made certificate, intercepted fetch) into D1.
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import worker from "../../src/index";
import { certificateFetcher, CERTIFICATE_FAILURE_TTL_MS, fetchSnsCertificate } from "../../src/sns/certificate-fetch";
import { FetchBudget } from "../../src/sns/fetch-budget";
import { SnsVerificationError } from "../../src/sns/verify";
import { trustedSubscribeUrl } from "../../src/sns/trusted-urls";
import { encodeTagValue, CAMPAIGN_TAG } from "../../src/ses/tags";
import { applyEvents } from "../../src/pipeline/apply";
import { forgetEnqueued } from "../../src/sns/recent";
import { campaignStats } from "../../src/objects/stats-client";
import { config } from "../../src/config/config";
import { sendEvent } from "../../src/sending/message";
import { fixtureJson, fixturePaths, fixtureText, snsIndex } from "../support/fixtures";
import { eventsFor, ORIGIN, recordingQueue, uniqueId, waitForEvents } from "../support/helpers";
import { createTestSigner, signedNotification, type TestSigner } from "../support/sns-signer";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic";

/** The topic vitest.config.ts lists in SNS_TOPIC_ARNS. */
const TOPIC = TEST_SNS_TOPIC_ARN;
const CONFIRM_PREFIX = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription";

let signer: TestSigner;
let fetchSpy: MockInstance<typeof fetch>;
/** Certificate URLs the intercepted fetch serves, and what it serves there. */
const served = new Map<string, () => Response>();

function urlOf(input: RequestInfo | URL): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

beforeAll(async () => {
  signer = await createTestSigner();
});

beforeEach(() => {
  served.set(signer.certUrl, () => new Response(signer.certificatePem));
  // Nothing leaves the machine: every URL the worker may fetch is answered here, anything else fails the test.
  fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = urlOf(input);
    const serve = served.get(url);
    if (serve) return serve();
    if (url.startsWith(CONFIRM_PREFIX)) return new Response("<ConfirmSubscriptionResponse/>", { status: 200 });
    throw new Error(`unexpected fetch of ${url}`);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function fetchedUrls(): string[] {
  return fetchSpy.mock.calls.map(([input]) => urlOf(input));
}

function post(body: unknown, headers: Record<string, string> = {}, bindings?: Env): Promise<Response> {
  const topic = typeof body === "object" && body !== null ? (body as { TopicArn?: unknown }).TopicArn : undefined;
  const request = new Request(`${ORIGIN}/sns`, {
    method: "POST",
    // As SNS sends it: text/plain, whatever the body is.
    headers: { "content-type": "text/plain; charset=UTF-8", ...(typeof topic === "string" ? { "x-amz-sns-topic-arn": topic } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  if (!bindings) return exports.default.fetch(request);
  return Promise.resolve(worker.fetch(request, bindings, createExecutionContext()));
}

/** An SES fixture payload tagged for the campaign, as the Message of a notification. */
function sesMessage(path: string, campaignId: string, change?: (payload: Record<string, any>) => void): string {
  const payload = fixtureJson<Record<string, any>>(path);
  payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)] };
  // SES MessageIds are unique per message; the fixtures' one id, reused across campaigns, would make their
  // Send events one event (a Send's id comes from the SES MessageId).
  payload.mail.messageId = `${payload.mail.messageId}-${campaignId}`;
  change?.(payload);
  return JSON.stringify(payload);
}

async function notify(campaignId: string, path = "ses/event-publishing__send-record.json") {
  return signedNotification(signer, { topicArn: TOPIC, message: sesMessage(path, campaignId) });
}

describe("POST /sns notifications", () => {
  it("stores every SES event type from signed notifications, fetching the certificate without following redirects", async () => {
    const campaignId = uniqueId("sns-all");
    const paths = fixturePaths("ses/event-publishing__");
    expect(paths).toHaveLength(10);
    for (const path of [...paths, "ses/notification__bounce-notification-without-a-dsn.json"]) {
      const res = await post(await notify(campaignId, path));
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ status: "enqueued" });
    }
    const rows = await waitForEvents(campaignId, 12);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.type))).toEqual(
      new Set(["send", "reject", "bounce", "complaint", "delivery", "open", "click", "rendering_failure", "delivery_delay", "subscription"]),
    );
    const click = rows.find((r) => r.type === "click")!;
    expect(click).toMatchObject({
      link: "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
      ip: "192.0.2.0",
      contact_id: "recipient@example.com",
    });
    expect(JSON.parse(click.metadata!)).toMatchObject({ source: "ses", linkTags: { samplekey0: ["samplevalue0"] } });
    expect(
      rows
        .filter((r) => r.type === "bounce")
        .map((r) => r.email)
        .sort(),
    ).toEqual(["jane@example.com", "recipient@example.com", "richard@example.com"]);

    // Fetched once for all eleven messages (cached per URL), and not allowed to redirect.
    const certFetches = fetchSpy.mock.calls.filter(([input]) => urlOf(input) === signer.certUrl);
    expect(certFetches).toHaveLength(1);
    expect(certFetches[0]![1]?.redirect).toBe("manual");
  });

  it("acknowledges a replay without storing or counting anything new, whichever isolate takes it", async () => {
    const campaignId = uniqueId("sns-replay");
    const stats = campaignStats(env.CAMPAIGN_STATS, campaignId);
    const body = await notify(campaignId, "ses/notification__bounce-notification-without-a-dsn.json");
    expect(await (await post(body)).json()).toMatchObject({ status: "enqueued", events: 2 });
    await waitForEvents(campaignId, 2);
    const counted = await vi.waitUntil(async () => {
      const c = await stats.counts();
      return c.bouncesHard === 2 ? c : false;
    });

    // The isolate that enqueued it remembers it, and enqueues nothing.
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate" });

    // A fresh isolate remembers nothing: nothing on the request path asks storage, so the replay is enqueued again,
    // with the event ids it had the first time.
    forgetEnqueued();
    expect(await (await post(body)).json()).toMatchObject({ status: "enqueued", events: 2 });

    // A later message for the campaign marks the point by which the replay has been through the consumer too.
    expect((await post(await notify(campaignId))).status).toBe(200);
    await waitForEvents(campaignId, 3);
    await vi.waitUntil(async () => (await stats.counts()).sent === counted.sent + 1);
    expect((await eventsFor(campaignId)).map((r) => r.type).sort()).toEqual(["bounce", "bounce", "send"]);
    expect(await stats.counts()).toEqual({ ...counted, sent: counted.sent + 1 });
  });

  it("enqueues a verified notification without reading or writing D1", async () => {
    const events = recordingQueue();
    const untouched = () => {
      throw new Error("D1 was used on the request path");
    };
    const noD1 = { ...env, EVENTS: events.queue, DB: { prepare: untouched, batch: untouched, exec: untouched } } as unknown as Env;
    const errors = vi.spyOn(console, "error");
    const res = await post(await notify(uniqueId("sns-no-d1")), {}, noD1);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "enqueued", events: 1 });
    expect(events.sent).toHaveLength(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it("stores nothing from a forged message", async () => {
    const campaignId = uniqueId("sns-forged");
    const genuine = await notify(campaignId, "ses/event-publishing__complaint-record.json");
    const tampered = { ...genuine, Message: String(genuine.Message).replace("abuse", "not-spam") };
    const res = await post(tampered);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden", reason: "bad_signature" });

    // Signed by another key, claiming this signer's certificate.
    const impostor = await createTestSigner();
    const other = await signedNotification(impostor, {
      topicArn: TOPIC,
      message: sesMessage("ses/event-publishing__complaint-record.json", campaignId),
    });
    const res2 = await post({ ...other, SigningCertURL: signer.certUrl });
    expect(res2.status).toBe(403);
    expect(await res2.json()).toMatchObject({ reason: "bad_signature" });

    expect((await post(await notify(campaignId))).status).toBe(200);
    await waitForEvents(campaignId, 1);
    expect((await eventsFor(campaignId)).map((r) => r.type)).toEqual(["send"]);
  });

  it("counts SES's own Send for a message our sender already recorded once", async () => {
    const campaignId = uniqueId("sns-send-dedupe");
    const sesMessageId = `0100-${campaignId}`;
    // What POST /api/send records when SES accepts the message.
    await applyEvents(env, [sendEvent({ campaignId, to: "recipient@example.com" }, sesMessageId, Date.now())]);
    const message = sesMessage("ses/event-publishing__send-record.json", campaignId, (payload) => {
      payload.mail.messageId = sesMessageId;
    });
    expect((await post(await signedNotification(signer, { topicArn: TOPIC, message }))).status).toBe(200);
    // A later message marks the point by which the Send would have been stored.
    expect((await post(await notify(campaignId, "ses/event-publishing__delivery-record.json"))).status).toBe(200);
    await waitForEvents(campaignId, 2);
    const rows = (await eventsFor(campaignId)).map((r) => [r.type, r.id]).sort();
    expect(rows).toEqual([
      ["delivery", expect.stringMatching(/^sns:/)],
      ["send", `send:${sesMessageId}`],
    ]);
    const stats = await env.CAMPAIGN_STATS.get(env.CAMPAIGN_STATS.idFromName(campaignId)).counts();
    expect(stats).toMatchObject({ sent: 1 });
  });

  it("answers 503 when the queue fails, and does not take SNS's retry for a duplicate", async () => {
    const campaignId = uniqueId("sns-queue");
    const body = await notify(campaignId);
    const broken = {
      ...env,
      EVENTS: { send: () => Promise.reject(new Error("queue down")), sendBatch: () => Promise.reject(new Error("queue down")) },
    } as unknown as Env;
    const res = await post(body, {}, broken);
    expect(res.status).toBe(503);
    const retry = await post(body);
    expect(await retry.json()).toMatchObject({ status: "enqueued" });
    await waitForEvents(campaignId, 1);
  });

  it("acknowledges an unknown SES event type with 200", async () => {
    const unknown = await signedNotification(signer, {
      topicArn: TOPIC,
      message: JSON.stringify({ eventType: "Teleport", mail: { messageId: "m" } }),
    });
    const res = await post(unknown);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ignored", sesType: "Teleport" });
  });
});

describe("POST /sns with a verified message whose SES payload does not parse", () => {
  async function deadLetters(messageId: string) {
    const { results } = await env.DB.prepare("SELECT message_id, queue, body, attempts, reason, status FROM dead_letters WHERE message_id = ?")
      .bind(`sns:${messageId}`)
      .all<{ message_id: string; queue: string; body: string; attempts: number; reason: string; status: string }>();
    return results;
  }

  it("keeps it as a dead letter with its reason and answers 200, enqueueing nothing, once however often it comes", async () => {
    const events = recordingQueue();
    const bindings = { ...env, EVENTS: events.queue } as Env;
    for (const message of ["Hello world", JSON.stringify({ eventType: "Bounce", mail: "not an object" })]) {
      const body = await signedNotification(signer, { topicArn: TOPIC, message });
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await post(body, {}, bindings);
        expect(res.status, message).toBe(200);
        expect(await res.json()).toEqual({ status: "dead_lettered", reason: expect.any(String) });
      }
      const rows = await deadLetters(String(body.MessageId));
      expect(rows, message).toHaveLength(1);
      expect(rows[0]).toMatchObject({ queue: "sns", status: "held", reason: expect.stringMatching(/^invalid SES event: ./) });
      // The whole verified message is kept, so it can be read, and replayed once the parser understands it.
      expect(JSON.parse(rows[0]!.body)).toMatchObject({ MessageId: body.MessageId, TopicArn: TOPIC, Message: message, Signature: body.Signature });
    }
    expect(await deadLetters("missing")).toEqual([]);
    expect(events.sent).toEqual([]);
  });

  it("answers 503 when the dead letter cannot be stored, so SNS delivers it again", async () => {
    const events = recordingQueue();
    const down = () => {
      throw new Error("D1 is down");
    };
    const broken = { ...env, EVENTS: events.queue, DB: { prepare: down, batch: down, exec: down } } as unknown as Env;
    const body = await signedNotification(signer, { topicArn: TOPIC, message: "Hello world" });
    const res = await post(body, {}, broken);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "unavailable" });
    expect(await deadLetters(String(body.MessageId))).toEqual([]);
    expect(events.sent).toEqual([]);
    // SNS's retry, once D1 answers again, is kept.
    expect((await post(body)).status).toBe(200);
    expect(await deadLetters(String(body.MessageId))).toHaveLength(1);
  });
});

describe("POST /sns refusals", () => {
  it("answers 400 for bodies that are not SNS messages, and 413 beyond 256 KB", async () => {
    expect((await post("{not json")).status).toBe(400);
    expect(await (await post({ Type: "Notification" })).json()).toMatchObject({ error: "bad_request", reason: "malformed" });
    const big = await signedNotification(signer, { topicArn: TOPIC, message: "x".repeat(256 * 1024) });
    expect((await post(big)).status).toBe(413);
    expect(fetchedUrls()).toEqual([]);
  });

  it("refuses raw message delivery with a reason", async () => {
    const res = await post(fixtureText("ses/event-publishing__send-record.json"), { "x-amz-sns-rawdelivery": "true", "x-amz-sns-topic-arn": TOPIC });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: "raw_delivery" });
  });

  it("refuses a topic header that differs from the body's TopicArn", async () => {
    const body = await notify(uniqueId("sns-hdr"));
    const res = await post(body, { "x-amz-sns-topic-arn": `${TOPIC}-other` });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "topic_mismatch" });
  });

  it("refuses topics not on SNS_TOPIC_ARNS before verifying anything", async () => {
    const campaignId = uniqueId("sns-allow");
    const allowed = { ...env, SNS_TOPIC_ARNS: ` arn:aws:sns:eu-west-1:123456789012:other , ${TOPIC}` } as Env;
    const elsewhere = await signedNotification(signer, {
      topicArn: "arn:aws:sns:us-east-1:999999999999:someone-else",
      message: sesMessage("ses/event-publishing__send-record.json", campaignId),
    });
    const res = await post(elsewhere, {}, allowed);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "topic_not_allowed" });
    expect(fetchedUrls()).toEqual([]);
    expect((await post(await notify(campaignId), {}, allowed)).status).toBe(200);
  });

  it("checks the certificate's dates against the real clock", async () => {
    const expired = await createTestSigner({ notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    served.set(expired.certUrl, () => new Response(expired.certificatePem));
    const res = await post(await signedNotification(expired, { topicArn: TOPIC, message: "{}" }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "certificate_expired" });
  });

  it("refuses stale messages, and answers 503 when the certificate cannot be fetched", async () => {
    const stale = await signedNotification(signer, { topicArn: TOPIC, message: "{}", timestamp: new Date(Date.now() - 2 * 3600_000) });
    expect(await (await post(stale)).json()).toMatchObject({ reason: "stale_message" });
    const ahead = await signedNotification(signer, { topicArn: TOPIC, message: "{}", timestamp: new Date(Date.now() + 3600_000) });
    const future = await post(ahead);
    expect(future.status).toBe(403);
    expect(await future.json()).toMatchObject({ error: "forbidden", reason: "future_message" });

    const unreachable = await createTestSigner();
    served.set(unreachable.certUrl, () => new Response("busy", { status: 503 }));
    const res = await post(await signedNotification(unreachable, { topicArn: TOPIC, message: "{}" }));
    expect(res.status).toBe(503);
    const redirecting = await createTestSigner();
    served.set(redirecting.certUrl, () => new Response(null, { status: 302, headers: { location: "https://evil.example/cert.pem" } }));
    const redirected = await post(await signedNotification(redirecting, { topicArn: TOPIC, message: "{}" }));
    expect(redirected.status).toBe(403);
    expect(await redirected.json()).toMatchObject({ reason: "certificate_refused" });
    expect(fetchedUrls().filter((u) => u.includes("evil"))).toEqual([]);
  });
});

describe("POST /sns is closed until a topic is listed", () => {
  it("refuses every message with 403 topic_not_allowed while SNS_TOPIC_ARNS is empty or unset: nothing verified, confirmed, fetched or enqueued", async () => {
    const warn = vi.spyOn(console, "warn");
    const events = recordingQueue();
    const { SNS_TOPIC_ARNS: _listed, ...unset } = { ...env, EVENTS: events.queue };
    const configurations = [
      { ...env, EVENTS: events.queue, SNS_TOPIC_ARNS: "" },
      { ...env, EVENTS: events.queue, SNS_TOPIC_ARNS: " , " },
      unset,
    ] as Env[];
    const token = "2336412f37fb687f5d51e6e2425ba1f2";
    const bodies = [
      await notify(uniqueId("sns-closed"), "ses/event-publishing__complaint-record.json"),
      await signer.sign({
        Type: "SubscriptionConfirmation",
        MessageId: crypto.randomUUID(),
        Token: token,
        TopicArn: TOPIC,
        Message: "You have chosen to subscribe",
        SubscribeURL: `${CONFIRM_PREFIX}&TopicArn=${TOPIC}&Token=${token}`,
        Timestamp: new Date().toISOString(),
      }),
      { Type: "Notification" },
      "not even JSON",
    ];
    for (const bindings of configurations) {
      for (const body of bodies) {
        const res = await post(body, {}, bindings);
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({ error: "forbidden", message: expect.stringContaining("SNS_TOPIC_ARNS"), reason: "topic_not_allowed" });
      }
    }
    expect(fetchedUrls()).toEqual([]);
    expect(events.sent).toEqual([]);
    // How to open it is said once for the isolate, not once per request.
    const said = warn.mock.calls.filter(([line]) => String(line).includes("SNS_TOPIC_ARNS is empty"));
    expect(said).toHaveLength(1);
    expect(JSON.parse(String(said[0]![0])).fix).toContain('SNS_TOPIC_ARNS = "arn:aws:sns:');
    // The same message is accepted once its topic is listed (the tests list TOPIC in vitest.config.ts).
    expect(await (await post(bodies[0]!)).json()).toMatchObject({ status: "enqueued" });
  });
});

describe("POST /sns certificate region and SignatureVersion", () => {
  const EU_TOPIC = "arn:aws:sns:eu-west-1:123456789012:mail-tracker-ses";
  const both = () => ({ ...env, SNS_TOPIC_ARNS: `${TOPIC},${EU_TOPIC}` }) as Env;

  it("refuses a message signed with another region's certificate than its TopicArn's, before fetching it", async () => {
    const eu = await createTestSigner({ region: "eu-west-1" });
    served.set(eu.certUrl, () => new Response(eu.certificatePem));
    const campaignId = uniqueId("sns-region");
    const crossed = await signedNotification(eu, { topicArn: TOPIC, message: sesMessage("ses/event-publishing__complaint-record.json", campaignId) });
    const res = await post(crossed, {}, both());
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "forbidden", reason: "certificate_region_mismatch" });
    expect(fetchedUrls()).toEqual([]);
    // The same certificate for a topic of its own region is fine.
    const own = await signedNotification(eu, { topicArn: EU_TOPIC, message: sesMessage("ses/event-publishing__send-record.json", campaignId) });
    expect(await (await post(own, {}, both())).json()).toMatchObject({ status: "enqueued" });
    await waitForEvents(campaignId, 1);
    expect((await eventsFor(campaignId)).map((r) => r.type)).toEqual(["send"]);
  });

  it('accepts SignatureVersion 1 and 2 by default; SNS_SIGNATURE_VERSION = "2" refuses version 1 before fetching anything', async () => {
    const campaignId = uniqueId("sns-sigv");
    const v1 = () => signedNotification(signer, { topicArn: TOPIC, message: sesMessage("ses/event-publishing__open-record.json", campaignId) }, "1");
    const v2 = () => signedNotification(signer, { topicArn: TOPIC, message: sesMessage("ses/event-publishing__click-record.json", campaignId) }, "2");
    expect(await (await post(await v1())).json()).toMatchObject({ status: "enqueued" });

    const strict = await createTestSigner();
    served.set(strict.certUrl, () => new Response(strict.certificatePem));
    const only2 = { ...env, SNS_SIGNATURE_VERSION: "2" } as Env;
    const refused = await post(await signedNotification(strict, { topicArn: TOPIC, message: "{}" }, "1"), {}, only2);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: "forbidden",
      reason: "signature_version_not_allowed",
      message: expect.stringContaining("SignatureVersion"),
    });
    expect(fetchedUrls().filter((u) => u === strict.certUrl)).toEqual([]);
    expect(await (await post(await v2(), {}, only2)).json()).toMatchObject({ status: "enqueued" });
    await waitForEvents(campaignId, 2);
  });

  it("reads SNS_SIGNATURE_VERSION: empty, unset or 1 accept both; 2, and anything unknown, only 2", () => {
    const read = (value: string | undefined) => [...config({ ...env, SNS_SIGNATURE_VERSION: value }).sns.signatureVersions].sort();
    for (const value of [undefined, "", " ", "1"]) expect(read(value), String(value)).toEqual(["1", "2"]);
    for (const value of ["2", " 2 ", "3", "sha256"]) expect(read(value), value).toEqual(["2"]);
  });
});

describe("POST /sns subscriptions", () => {
  function confirmation(subscribeUrl: string, token = "2336412f37fb687f5d51e6e2425ba1f2", type = "SubscriptionConfirmation") {
    return signer.sign({
      Type: type,
      MessageId: crypto.randomUUID(),
      Token: token,
      TopicArn: TOPIC,
      Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
      SubscribeURL: subscribeUrl,
      Timestamp: new Date().toISOString(),
    });
  }
  const token = "2336412f37fb687f5d51e6e2425ba1f2";
  const good = `${CONFIRM_PREFIX}&TopicArn=${TOPIC}&Token=${token}`;

  it("confirms by fetching exactly SNS's ConfirmSubscription URL, without following redirects", async () => {
    const res = await post(await confirmation(good));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "confirmed" });
    const call = fetchSpy.mock.calls.find(([input]) => urlOf(input).startsWith(CONFIRM_PREFIX))!;
    expect(urlOf(call[0])).toBe(good);
    expect(call[1]?.redirect).toBe("manual");
  });

  // Each breaks one part of: https://sns.<TopicArn's region>.amazonaws.com/?Action=ConfirmSubscription&TopicArn=<topic>&Token=<token>
  const broken: [string, string][] = [
    ["http", good.replace("https:", "http:")],
    ["another region's host", good.replace("sns.us-east-1", "sns.eu-west-1")],
    ["another host", good.replace("sns.us-east-1.amazonaws.com", "evil.example")],
    ["a look-alike host", good.replace("amazonaws.com/", "amazonaws.com.evil.example/")],
    ["userinfo", good.replace("https://", "https://me@")],
    ["a port", good.replace(".com/", ".com:8443/")],
    ["a path", good.replace(".com/?", ".com/x?")],
    ["a fragment", `${good}#frag`],
    ["another Action", good.replace("ConfirmSubscription", "Unsubscribe")],
    ["another topic", good.replace("mail-tracker-ses&", "other-topic&")],
    ["another token", good.replace(token, "0000")],
    ["an extra parameter", `${good}&Redirect=https://evil.example/`],
    ["a repeated parameter", `${good}&Action=ConfirmSubscription`],
  ];

  it.each(broken)("refuses a SubscribeURL with %s and makes no request", async (_, url) => {
    expect(trustedSubscribeUrl(url, TOPIC, token)).toBeNull();
    const res = await post(await confirmation(url));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "untrusted_subscribe_url" });
    expect(fetchedUrls().filter((u) => u !== signer.certUrl)).toEqual([]);
  });

  it("accepts the SubscribeURLs of the genuine SubscriptionConfirmations", () => {
    for (const f of snsIndex().filter((x) => x.type === "SubscriptionConfirmation")) {
      const m = fixtureJson<{ SubscribeURL: string; TopicArn: string; Token: string }>(`sns/${f.message}`);
      expect(trustedSubscribeUrl(m.SubscribeURL, m.TopicArn, m.Token)?.href, f.message).toBe(m.SubscribeURL);
    }
  });

  it("acknowledges an UnsubscribeConfirmation without acting on it", async () => {
    const res = await post(await confirmation(good, token, "UnsubscribeConfirmation"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "acknowledged" });
    expect(fetchedUrls().filter((u) => u !== signer.certUrl)).toEqual([]);
  });
});

describe("fetchSnsCertificate", () => {
  it("fetches once per exact URL without following redirects", async () => {
    const a = await createTestSigner();
    served.set(a.certUrl, () => new Response(a.certificatePem));
    expect(await fetchSnsCertificate(a.certUrl)).toBe(a.certificatePem);
    expect(await fetchSnsCertificate(a.certUrl)).toBe(a.certificatePem);
    expect(fetchedUrls()).toEqual([a.certUrl]);
    expect(fetchSpy.mock.calls[0]![1]?.redirect).toBe("manual");
    await expect(fetchSnsCertificate("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00.pem")).rejects.toBeInstanceOf(
      SnsVerificationError,
    );
  });

  it("remembers a failed fetch for 60 s per URL: the same failure again without a request, then one new try", async () => {
    const a = await createTestSigner();
    const b = await createTestSigner();
    const clock = { now: 1_000_000 };
    const fetchCertificate = certificateFetcher({ now: () => clock.now });
    served.set(a.certUrl, () => new Response(null, { status: 301, headers: { location: b.certUrl } }));
    served.set(b.certUrl, () => new Response("busy", { status: 503 }));
    await expect(fetchCertificate(a.certUrl)).rejects.toMatchObject({ reason: "certificate_refused" });
    await expect(fetchCertificate(b.certUrl)).rejects.toMatchObject({ reason: "certificate_unavailable" });

    // Both URLs now answer, but within the minute neither is asked again.
    served.set(a.certUrl, () => new Response(a.certificatePem));
    served.set(b.certUrl, () => new Response(b.certificatePem));
    clock.now += CERTIFICATE_FAILURE_TTL_MS - 1;
    for (let i = 0; i < 5; i++) {
      await expect(fetchCertificate(a.certUrl)).rejects.toMatchObject({ reason: "certificate_refused" });
      await expect(fetchCertificate(b.certUrl)).rejects.toMatchObject({ reason: "certificate_unavailable" });
    }
    expect(fetchedUrls()).toEqual([a.certUrl, b.certUrl]);

    clock.now += 1;
    expect(await fetchCertificate(a.certUrl)).toBe(a.certificatePem);
    expect(await fetchCertificate(b.certUrl)).toBe(b.certificatePem);
    expect(await fetchCertificate(a.certUrl)).toBe(a.certificatePem);
    expect(fetchedUrls()).toEqual([a.certUrl, b.certUrl, a.certUrl, b.certUrl]);
  });

  it("through POST /sns: junk naming a certificate that cannot be had makes one fetch, not one per request", async () => {
    const junk = await createTestSigner();
    served.set(junk.certUrl, () => new Response("no such certificate", { status: 404 }));
    for (let i = 0; i < 10; i++) {
      const res = await post(await signedNotification(junk, { topicArn: TOPIC, message: "{}" }));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ reason: "certificate_refused" });
    }
    expect(fetchedUrls().filter((u) => u === junk.certUrl)).toHaveLength(1);
  });
});

describe("certificate fetch budget", () => {
  it("FetchBudget allows perMinute downloads in any sliding minute", () => {
    const clock = { now: 5_000_000 };
    const budget = new FetchBudget(() => clock.now);
    expect([1, 2, 3, 4].map(() => budget.take(3))).toEqual([true, true, true, false]);
    clock.now += 59_999;
    expect(budget.take(3)).toBe(false);
    clock.now += 1;
    expect([budget.take(3), budget.take(3), budget.take(3), budget.take(3)]).toEqual([true, true, true, false]);
  });

  it("certificateFetcher asks the budget only before a download, and does not remember a refusal", async () => {
    const a = await createTestSigner();
    const b = await createTestSigner();
    served.set(a.certUrl, () => new Response(a.certificatePem));
    served.set(b.certUrl, () => new Response(b.certificatePem));
    const fetchCertificate = certificateFetcher();
    let allowed = 1;
    const asked: string[] = [];
    const mayDownload = (url: string) => () => {
      asked.push(url);
      return allowed-- > 0;
    };
    expect(await fetchCertificate(a.certUrl, mayDownload(a.certUrl))).toBe(a.certificatePem);
    await expect(fetchCertificate(b.certUrl, mayDownload(b.certUrl))).rejects.toMatchObject({ reason: "certificate_budget_spent" });
    // Held: verifies whatever the budget says, and does not ask it.
    expect(await fetchCertificate(a.certUrl, mayDownload(a.certUrl))).toBe(a.certificatePem);
    expect(asked).toEqual([a.certUrl, b.certUrl]);
    allowed = 1;
    expect(await fetchCertificate(b.certUrl, mayDownload(b.certUrl))).toBe(b.certificatePem);
    expect(fetchedUrls()).toEqual([a.certUrl, b.certUrl]);
  });

  it("through POST /sns: junk naming new certificate files gets 503 once the budget is spent, a held certificate keeps verifying", async () => {
    const known = await createTestSigner();
    served.set(known.certUrl, () => new Response(known.certificatePem));
    expect((await post(await signedNotification(known, { topicArn: TOPIC, message: "{}" }))).status).toBe(200);

    const perMinute = 3;
    const tight = { ...env, SNS_CERTIFICATE_FETCHES_PER_MINUTE: String(perMinute) };
    const junkUrls: string[] = [];
    const answers: Array<{ status: number; reason: unknown }> = [];
    for (let i = 0; i <= perMinute; i++) {
      const hex = [...crypto.getRandomValues(new Uint8Array(16))].map((x) => x.toString(16).padStart(2, "0")).join("");
      const url = `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${hex}.pem`;
      junkUrls.push(url);
      served.set(url, () => new Response("no such certificate", { status: 404 }));
      const junk = { ...(await signedNotification(signer, { topicArn: TOPIC, message: "{}" })), SigningCertURL: url };
      const res = await post(junk, {}, tight);
      answers.push({ status: res.status, reason: ((await res.json()) as { reason?: unknown }).reason });
    }
    // At most perMinute downloads in the minute (fewer when earlier tests of this file spent some of it).
    expect(fetchedUrls().filter((u) => junkUrls.includes(u)).length).toBeLessThanOrEqual(perMinute);
    expect(answers.at(-1)).toEqual({ status: 503, reason: "certificate_budget_spent" });
    for (const a of answers) expect([403, 503]).toContain(a.status);

    // A certificate this isolate holds verifies; a new one, even SNS's own, waits for the budget (SNS retries).
    expect((await post(await signedNotification(known, { topicArn: TOPIC, message: "{}" }), {}, tight)).status).toBe(200);
    const rotated = await createTestSigner();
    served.set(rotated.certUrl, () => new Response(rotated.certificatePem));
    const waiting = await post(await signedNotification(rotated, { topicArn: TOPIC, message: "{}" }), {}, tight);
    expect(waiting.status).toBe(503);
    expect(await waiting.json()).toMatchObject({ error: "unavailable", reason: "certificate_budget_spent" });
    expect(fetchedUrls()).not.toContain(rotated.certUrl);
    // Not remembered as a failure: with budget to spare it is fetched at once.
    expect((await post(await signedNotification(rotated, { topicArn: TOPIC, message: "{}" }))).status).toBe(200);
  });
});
