// `npm start`'s local SES (scripts/local-ses/): a mail SES accepts comes back to /sns as the signed notifications SES
// would publish for its recipient, which the worker's own verifier and SES parser accept under the local setting only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSes, startLocalSes } from "../../scripts/local-ses/local-ses";
import { simulatorOutcome } from "../../scripts/local-ses/ses-events";
import { parseSesMessage } from "../../src/ses/events";
import { CAMPAIGN_TAG, encodeTagValue } from "../../src/ses/tags";
import { SnsVerificationError, verifySnsMessage } from "../../src/sns/verify";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:mail-tracker-local";

/** A stand-in for the worker's POST /sns: keeps every body; answers 503 to the first one, as a worker starting up might. */
const received: Record<string, unknown>[] = [];
const headers: Record<string, string | string[] | undefined>[] = [];
let refuseFirst = true;
let receiver: Server;
let ses: LocalSes;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (refuseFirst) {
        refuseFirst = false;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
      headers.push(req.headers);
      res.writeHead(req.url === "/sns" && req.method === "POST" ? 200 : 404).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const workerOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  ses = await startLocalSes({ host: "127.0.0.1", port: 0, workerOrigin, topicArn: TOPIC, deliveryDeadlineMs: 10_000 });
});

afterAll(async () => {
  await ses?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

async function send(to: string, campaignId = "local-ses"): Promise<string> {
  // Signed as the worker signs it (the emulator wants a SigV4 Authorization, whatever its keys).
  const aws = new AwsClient({ accessKeyId: "AKIALOCALDEVELOPMENT", secretAccessKey: "local", service: "ses", region: "us-east-1" });
  const res = await aws.fetch(`${ses.url}/v2/email/outbound-emails`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      FromEmailAddress: "Shop <shop@example.com>",
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "Hi" } } } },
      EmailTags: [{ Name: CAMPAIGN_TAG, Value: encodeTagValue(campaignId) }],
      ConfigurationSetName: "mail-tracker",
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { MessageId: string }).MessageId;
}

/** The SES events posted for one mail, in order, as the worker's parser reads them. */
async function eventsOf(messageId: string) {
  await ses.idle();
  const mine = received.filter((n) => (JSON.parse(String(n.Message)) as { mail: { messageId: string } }).mail.messageId === messageId);
  return Promise.all(
    mine.map(async (n) => {
      const parsed = await parseSesMessage(String(n.Message), { messageId: String(n.MessageId), timestamp: String(n.Timestamp) });
      if (parsed.kind !== "events") throw new Error(`not parsed: ${JSON.stringify(parsed)}`);
      return { notification: n, sesType: parsed.sesType, events: parsed.events };
    }),
  );
}

describe("the local SES", () => {
  it("publishes what SES's mailbox simulator produces for each of its addresses", async () => {
    const expected: Record<string, string[]> = {
      "success@simulator.amazonses.com": ["Send", "Delivery"],
      "bounce@simulator.amazonses.com": ["Send", "Bounce Permanent/General"],
      "complaint@simulator.amazonses.com": ["Send", "Delivery", "Complaint abuse"],
      "suppressionlist@simulator.amazonses.com": ["Send", "Bounce Permanent/OnAccountSuppressionList"],
      "ooto@simulator.amazonses.com": ["Send", "Delivery"],
      "bounce+label@simulator.amazonses.com": ["Send", "Bounce Permanent/General"],
      // Not a simulator address: the emulator delivers nowhere, so SES's Send is all there is to say.
      "you@example.com": ["Send"],
    };
    for (const [to, types] of Object.entries(expected)) {
      const messageId = await send(to);
      const published = await eventsOf(messageId);
      const described = published.map(({ sesType, events }) => {
        const m = events[0]!.metadata as Record<string, unknown>;
        if (sesType === "Bounce") return `Bounce ${m.bounceType}/${m.bounceSubType}`;
        if (sesType === "Complaint") return `Complaint ${m.complaintFeedbackType}`;
        return sesType;
      });
      expect(described, to).toEqual(types);
      for (const { events } of published) {
        // One recipient each, attributed to the campaign by the EmailTags of the send.
        expect(
          events.map((e) => [e.email, e.campaignId]),
          to,
        ).toEqual([[to, "local-ses"]]);
      }
    }
    expect(ses.deliveries.every((d) => d.status === 200)).toBe(true);
    // The first POST was answered 503 and was delivered again, as SNS would.
    expect(refuseFirst).toBe(false);
    expect(ses.deliveries.length).toBe(received.length);
  });

  it("posts SNS's headers, and signs with a certificate the verifier trusts only when told its exact URL", async () => {
    const messageId = await send("success@simulator.amazonses.com");
    const [first] = await eventsOf(messageId);
    const notification = first!.notification;
    const h = headers[received.indexOf(notification)]!;
    expect(h["x-amz-sns-message-type"]).toBe("Notification");
    expect(h["x-amz-sns-topic-arn"]).toBe(TOPIC);
    expect(h["x-amz-sns-message-id"]).toBe(notification.MessageId);
    expect(notification).toMatchObject({ Type: "Notification", TopicArn: TOPIC, SigningCertURL: ses.certificateUrl, SignatureVersion: "2" });

    const fetched: string[] = [];
    const fetchCertificate = async (url: string) => {
      fetched.push(url);
      return (await fetch(url)).text();
    };
    const refused = await verifySnsMessage(notification, { fetchCertificate }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SnsVerificationError);
    expect((refused as SnsVerificationError).reason).toBe("untrusted_certificate_url");
    expect(fetched).toEqual([]);

    const verified = await verifySnsMessage(notification, { fetchCertificate, localCertificateUrl: ses.certificateUrl });
    expect(verified.MessageId).toBe(notification.MessageId);
    expect(fetched).toEqual([ses.certificateUrl]);
  });

  it("passes everything else through to the emulator: its store holds the mail", async () => {
    const messageId = await send("success+store@simulator.amazonses.com");
    const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: { messageId: string; subject: string }[] };
    expect(store.emails.find((e) => e.messageId === messageId)).toMatchObject({ subject: "Hello" });
  });

  it("recognises the simulator's addresses and nothing that merely looks like them", () => {
    expect(simulatorOutcome("Bounce@Simulator.AmazonSES.com")).toBe("bounce");
    expect(simulatorOutcome("bounce@simulator.amazonses.com.evil.test")).toBeNull();
    expect(simulatorOutcome("bounce@example.com")).toBeNull();
    expect(simulatorOutcome("unknown@simulator.amazonses.com")).toBeNull();
  });
});
