// SES payloads (test/fixtures/ses) into domain events; expectations written from reading each payload.
import { describe, expect, it } from "vitest";
import { parseSesMessage, type SesParseResult } from "../../src/ses/events";
import { CAMPAIGN_TAG, CONTACT_TAG, decodeTagValue, emailTags, encodeTagValue } from "../../src/ses/tags";
import type { TrackingEvent } from "../../src/domain/events";
import { fixturePaths, fixtureText } from "../support/fixtures";

const SNS = { messageId: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", timestamp: "2024-05-01T12:00:00.000Z" };
const EXAMPLE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000";
const at = (iso: string) => Date.parse(iso);

async function events(text: string, sns = SNS): Promise<TrackingEvent[]> {
  const result = await parseSesMessage(text, sns);
  if (result.kind !== "events") throw new Error(`expected events, got ${JSON.stringify(result)}`);
  return result.events;
}

type Expected = Partial<TrackingEvent> & { metadata?: Record<string, unknown> };

/** One entry per fixture file: the events a reader of the payload expects, in order. */
const EXPECTED: Record<string, Expected[]> = {
  "ses/event-publishing__bounce-record.json": [
    {
      type: "bounce",
      email: "recipient@example.com",
      contactId: "recipient@example.com",
      sesMessageId: EXAMPLE_ID,
      occurredAt: at("2017-08-05T00:41:02.669Z"),
      metadata: {
        source: "ses",
        sesEventType: "Bounce",
        bounceType: "Permanent",
        bounceSubType: "General",
        action: "failed",
        status: "5.1.1",
        diagnosticCode: "smtp; 550 5.1.1 user unknown",
        reportingMTA: "dsn; mta.example.com",
        feedbackId: "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        configurationSet: "ConfigSet",
      },
    },
  ],
  "ses/event-publishing__click-record.json": [
    {
      type: "click",
      email: "recipient@example.com",
      occurredAt: at("2017-08-09T23:51:25.570Z"),
      link: "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
      ip: "192.0.2.1",
      userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36",
      metadata: { source: "ses", sesEventType: "Click", linkTags: { samplekey0: ["samplevalue0"], samplekey1: ["samplevalue1"] } },
    },
  ],
  "ses/event-publishing__complaint-record.json": [
    {
      type: "complaint",
      email: "recipient@example.com",
      occurredAt: at("2017-08-05T00:41:02.669Z"),
      userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36",
      metadata: { complaintFeedbackType: "abuse", arrivalDate: "2017-08-05T00:41:02.669Z" },
    },
  ],
  "ses/event-publishing__delivery-record.json": [
    {
      type: "delivery",
      email: "recipient@example.com",
      occurredAt: at("2016-10-19T23:21:04.133Z"),
      metadata: { smtpResponse: "250 2.6.0 Message received", reportingMTA: "mta.example.com", processingTimeMillis: 11893 },
    },
  ],
  "ses/event-publishing__deliverydelay-record.json": [
    {
      type: "delivery_delay",
      email: "recipient@example.com",
      occurredAt: at("2020-06-16T00:25:40.095Z"),
      metadata: {
        delayType: "TransientCommunicationFailure",
        expirationTime: "2020-06-16T00:25:40.914Z",
        status: "4.4.1",
        diagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host",
      },
    },
  ],
  "ses/event-publishing__open-record.json": [
    {
      type: "open",
      email: "recipient@example.com",
      occurredAt: at("2017-08-09T22:00:19.652Z"),
      ip: "192.0.2.1",
      userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60",
      metadata: { source: "ses", sesEventType: "Open" },
    },
  ],
  // SES rejected the message before sending: the time is the mail's, the recipient the one destination.
  "ses/event-publishing__reject-record.json": [
    { type: "reject", email: "sender@example.com", occurredAt: at("2016-10-14T17:38:15.211Z"), metadata: { reason: "Bad content" } },
  ],
  "ses/event-publishing__rendering-failure-record.json": [
    {
      type: "rendering_failure",
      email: "recipient@example.com",
      occurredAt: at("2018-01-22T18:43:06.197Z"),
      metadata: { errorMessage: "Attribute 'attributeName' is not present in the rendering data.", templateName: "MyTemplate" },
    },
  ],
  "ses/event-publishing__send-record.json": [{ type: "send", email: "recipient@example.com", occurredAt: at("2016-10-14T05:02:16.645Z") }],
  "ses/event-publishing__subscription-record.json": [
    {
      type: "subscription",
      email: "recipient@example.com",
      sesMessageId: "EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000",
      occurredAt: at("2022-01-12T01:00:17.910Z"),
      metadata: {
        unsubscribeAll: true,
        contactList: "ContactListName",
        subscriptionSource: "UnsubscribeHeader",
        newTopicPreferences: { unsubscribeAll: true, topicSubscriptionStatus: [{ topicName: "ExampleTopicName", subscriptionStatus: "OptOut" }] },
        oldTopicPreferences: { unsubscribeAll: false, topicSubscriptionStatus: [{ topicName: "ExampleTopicName", subscriptionStatus: "OptOut" }] },
      },
    },
  ],
  "ses/notification__amazon-sns-delivery-notification-example.json": [
    {
      type: "delivery",
      email: "jane@example.com",
      sesMessageId: "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
      occurredAt: at("2016-01-27T14:59:38.237Z"),
      metadata: {
        smtpResponse: "250 ok:  Message 64111812 accepted",
        remoteMtaIp: "127.0.2.0",
        reportingMTA: "a8-70.smtp-out.amazonses.com",
        processingTimeMillis: 546,
      },
    },
  ],
  // Three destinations, one bounced: only that one gets an event.
  "ses/notification__bounce-notification-with-a-dsn.json": [
    {
      type: "bounce",
      email: "jane@example.com",
      sesMessageId: "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
      metadata: {
        bounceType: "Permanent",
        bounceSubType: "General",
        status: "5.1.1",
        action: "failed",
        diagnosticCode: "smtp; 550 5.1.1 <jane@example.com>... User",
        reportingMTA: "dns; email.example.com",
        remoteMtaIp: "127.0.2.0",
      },
    },
  ],
  "ses/notification__bounce-notification-without-a-dsn.json": [
    { type: "bounce", email: "jane@example.com", metadata: { bounceType: "Permanent", bounceSubType: "General" } },
    { type: "bounce", email: "richard@example.com", metadata: { bounceType: "Permanent", bounceSubType: "General" } },
  ],
  "ses/notification__complaint-notification-with-a-feedback-report.json": [
    {
      type: "complaint",
      email: "richard@example.com",
      userAgent: "AnyCompany Feedback Loop (V0.01)",
      metadata: { complaintFeedbackType: "abuse", feedbackId: "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000" },
    },
  ],
  "ses/notification__complaint-notification-without-a-feedback-report.json": [
    { type: "complaint", email: "richard@example.com", userAgent: null, occurredAt: at("2016-01-27T14:59:38.237Z") },
  ],
  "ses/real-signed__django-ses__eventpublishing-complaint__Message.json": [
    {
      type: "complaint",
      email: "complaint@simulator.amazonses.com",
      sesMessageId: "0100017fd2f875c4-c2929163-2767-49b1-8513-1a29e428e134-000000",
      occurredAt: at("2022-03-28T23:59:33.564Z"),
      userAgent: "Amazon SES Mailbox Simulator",
      metadata: { complaintFeedbackType: "abuse", configurationSet: "test-set" },
    },
  ],
  "ses/real-signed__django-ses__notification-bounce__Message.json": [
    {
      type: "bounce",
      email: "bounce@simulator.amazonses.com",
      sesMessageId: "0100017fe7043e8e-fc9c357d-a9a4-49bc-a4b4-fa984009d568-000000",
      occurredAt: at("2022-04-01T21:24:49.000Z"),
      metadata: { diagnosticCode: "smtp; 550 5.1.1 user unknown", remoteMtaIp: "3.231.136.178", reportingMTA: "dns; a48-30.smtp-out.amazonses.com" },
    },
  ],
};

describe("SES fixtures into domain events", () => {
  it("has an expectation for every SES fixture", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(fixturePaths("ses/"));
  });

  it.each(Object.entries(EXPECTED))("%s", async (path, expected) => {
    const list = await events(fixtureText(path));
    expect(list).toHaveLength(expected.length);
    list.forEach((event, i) => {
      const want = expected[i]!;
      const { metadata, ...fields } = want;
      expect(event).toMatchObject({ campaignId: null, contactId: want.email, ...fields });
      expect(event.metadata).toMatchObject({ source: "ses", snsMessageId: SNS.messageId, ...metadata });
      // A one-recipient Send shares its id with the send event our sender records (send:<SES MessageId>).
      if (want.type === "send" && list.length === 1) expect(event.id).toBe("send:EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000");
      else expect(event.id).toMatch(/^sns:0f1e2d3c-aaaa-bbbb-cccc-000000000001:[A-Za-z0-9_-]{22}$/);
    });
    expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
  });
});

describe("parseSesMessage", () => {
  const open = JSON.parse(fixtureText("ses/event-publishing__open-record.json"));
  const send = JSON.parse(fixtureText("ses/event-publishing__send-record.json"));

  it("gives the same ids for the same SNS message, and others for another", async () => {
    const text = fixtureText("ses/notification__bounce-notification-without-a-dsn.json");
    const first = (await events(text)).map((e) => e.id);
    expect((await events(text)).map((e) => e.id)).toEqual(first);
    const other = (await events(text, { ...SNS, messageId: "another" })).map((e) => e.id);
    expect(other.some((id) => first.includes(id))).toBe(false);
  });

  it("reads campaign and contact from the EmailTags the sender sets", async () => {
    const tags = Object.fromEntries(emailTags("spring.sale-2024", "Ann.Lee@Example.COM").map((t) => [t.Name, [t.Value]]));
    expect(Object.keys(tags)).toEqual([CAMPAIGN_TAG, CONTACT_TAG]);
    for (const value of Object.values(tags)) expect(value[0]).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    const payload = { ...open, mail: { ...open.mail, destination: ["a@example.com", "b@example.com"], tags: { ...open.mail.tags, ...tags } } };
    const [event] = await events(JSON.stringify(payload));
    expect(event).toMatchObject({ campaignId: "spring.sale-2024", contactId: "ann.lee@example.com", email: "Ann.Lee@Example.COM" });
  });

  it("leaves campaign and contact empty when the tags are not ours or an open names several recipients", async () => {
    const payload = {
      ...open,
      mail: { ...open.mail, destination: ["a@example.com", "b@example.com"], tags: { campaign: ["not base64url!"], contact: ["@@"] } },
    };
    const [event] = await events(JSON.stringify(payload));
    expect(event).toMatchObject({ campaignId: null, contactId: null, email: null });
    expect(decodeTagValue(encodeTagValue("a.b@c"))).toBe("a.b@c");
  });

  it("makes one send event per destination", async () => {
    const payload = { ...send, mail: { ...send.mail, destination: ["a@example.com", "B@Example.com"] } };
    const list = await events(JSON.stringify(payload));
    expect(list.map((e) => [e.type, e.contactId])).toEqual([
      ["send", "a@example.com"],
      ["send", "b@example.com"],
    ]);
  });

  it("reads non-ISO mail.timestamp values", async () => {
    for (const [stamp, iso] of [
      ["2018-10-08T14:05:45 +0000", "2018-10-08T14:05:45Z"],
      ["2018-10-08T16:05:45 +0200", "2018-10-08T14:05:45Z"],
      ["2018-10-08 14:05:45", "2018-10-08T14:05:45Z"],
      ["Mon, 08 Oct 2018 14:05:45 +0000", "2018-10-08T14:05:45Z"],
    ]) {
      const [event] = await events(JSON.stringify({ ...send, mail: { ...send.mail, timestamp: stamp } }));
      expect(event!.occurredAt, stamp).toBe(Date.parse(iso!));
    }
    // No usable time at all: the SNS message's.
    const [event] = await events(JSON.stringify({ ...send, mail: { ...send.mail, timestamp: "soon" } }));
    expect(event!.occurredAt).toBe(Date.parse(SNS.timestamp));
  });

  it("acknowledges types it does not know, and says what is not an SES event", async () => {
    const results: SesParseResult[] = await Promise.all([
      parseSesMessage(JSON.stringify({ ...send, eventType: "Teleport" }), SNS),
      parseSesMessage(JSON.stringify({ notificationType: "AmazonSnsSubscriptionSucceeded", message: "You have successfully subscribed" }), SNS),
      parseSesMessage("Hello world", SNS),
      parseSesMessage(JSON.stringify({ mail: send.mail }), SNS),
      parseSesMessage(JSON.stringify({ eventType: "Bounce", mail: send.mail }), SNS),
      parseSesMessage(JSON.stringify({ eventType: "Send" }), SNS),
    ]);
    expect(results.map((r) => r.kind)).toEqual(["unknown_type", "unknown_type", "invalid", "invalid", "invalid", "invalid"]);
    expect(results[0]).toEqual({ kind: "unknown_type", sesType: "Teleport" });
  });
});
