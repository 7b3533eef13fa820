// The storage bench's traffic: a realistic mix of one mail's events (send, then delivery or bounce, an open for 30 % of
// mails, a click for 5 %), the SES ones as signed SNS notifications for /sns and the opens and clicks as pixel and
// click requests to the edge, each through the production path.
import { CAMPAIGN_TAG, CONTACT_TAG, encodeTagValue } from "../src/ses/tags.ts";
import { keyRing } from "../src/config/tracking-keys.ts";
import { clickPath, pixelPath } from "../src/tracking/links.ts";
import { signToken } from "../src/tracking/token.ts";
import { readFixtureFile } from "../test/support/fixture-files.ts";
import { signedNotification, type TestSigner } from "../test/support/sns-signer.ts";
import { TEST_SNS_TOPIC_ARN } from "../test/support/sns-topic.ts";
import { TEST_TRACKING_KEYS } from "../test/support/secrets.ts";
import { clientAddress } from "../test/support/traffic.ts";

/** Events per mail by type (research/storage.md: 2.35 events a mail). */
export const MIX = { send: 1, delivery: 0.98, bounce: 0.02, open: 0.3, click: 0.05 } as const;
export const EVENTS_PER_MAIL = Object.values(MIX).reduce((a, b) => a + b, 0);

const AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

export interface MailTraffic {
  /** Bodies to POST to /sns. */
  sns: string[];
  /** Paths to GET at the edge, each with the headers of a browser on a network of its own. */
  edge: { path: string; headers: Record<string, string> }[];
  events: number;
}

/** Whether mail `i` has an event that `share` of mails have: spread evenly (every 1/share-th mail). */
const has = (i: number, share: number) => Math.floor((i + 1) * share) > Math.floor(i * share);

/** An SES event-publishing record for mail `i` of `campaignId`, every timestamp set to `at`. */
function sesRecord(template: string, campaignId: string, contact: string, messageId: string, at: string): string {
  const payload = JSON.parse(readFixtureFile(template), (key, value) => (key === "timestamp" ? at : value));
  payload.mail.messageId = messageId;
  payload.mail.destination = [contact];
  payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)], [CONTACT_TAG]: [encodeTagValue(contact)] };
  if (payload.delivery) payload.delivery.recipients = [contact];
  if (payload.bounce) payload.bounce.bouncedRecipients = [{ ...payload.bounce.bouncedRecipients[0], emailAddress: contact }];
  return JSON.stringify(payload);
}

/** Mails `from` to `to` (exclusive) of a run over `campaigns` campaigns: their notifications and edge requests. */
export async function planMails(runId: string, campaigns: number, from: number, to: number, signer: TestSigner): Promise<MailTraffic> {
  const ring = await keyRing(TEST_TRACKING_KEYS);
  const out: MailTraffic = { sns: [], edge: [], events: 0 };
  const at = new Date().toISOString();
  const notify = async (record: string) =>
    out.sns.push(JSON.stringify(await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: record })));
  for (let i = from; i < to; i++) {
    const campaignId = `${runId}-c${i % campaigns}`;
    const contact = `person${i}@example.com`;
    const messageId = `storage-${runId}-${i}`;
    await notify(sesRecord("ses/event-publishing__send-record.json", campaignId, contact, messageId, at));
    const outcome = has(i, MIX.bounce) ? "bounce" : "delivery";
    await notify(sesRecord(`ses/event-publishing__${outcome}-record.json`, campaignId, contact, messageId, at));
    out.events += 2;
    const headers = { "user-agent": AGENT, "cf-connecting-ip": clientAddress(i), accept: "image/avif,image/webp,*/*" };
    if (has(i, MIX.open)) {
      out.edge.push({ path: pixelPath(await signToken({ kind: "open", campaignId, contact }, ring)), headers });
      out.events++;
    }
    if (has(i, MIX.click)) {
      const url = `https://www.example-shop.com/products/item-${i % 20}?utm_source=news`;
      out.edge.push({ path: clickPath(await signToken({ kind: "click", campaignId, contact, url, linkIndex: i % 20 }, ring)), headers });
      out.events++;
    }
  }
  return out;
}
