// Campaigns for the dashboard's browser test, put into a local worker through its real doors: SES events as signed SNS
// notifications to /sns, and opens and clicks as tracked pixel and click requests. Nothing is written into D1 directly.
import { CAMPAIGN_TAG, CONTACT_TAG, encodeTagValue } from "../../src/ses/tags.ts";
import { keyRing } from "../../src/config/tracking-keys.ts";
import { clickPath, pixelPath } from "../../src/tracking/links.ts";
import { signToken } from "../../src/tracking/token.ts";
import { readFixtureFile } from "../support/fixture-files.ts";
import { TEST_TRACKING_KEYS } from "../support/secrets.ts";
import { clientAddress } from "../support/traffic.ts";
import { signedNotification, type TestSigner } from "../support/sns-signer.ts";
import { TEST_SNS_TOPIC_ARN } from "../support/sns-topic.ts";
import type { CampaignStats } from "../../web/src/types.ts";

type SesType = "send" | "delivery" | "bounce" | "complaint";

/** A desktop browser's agent: what a person opening mail in a webmail tab sends. */
export const BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
/** A script's agent: a machine's request (counted as one once opens and clicks are classified). */
export const SCRIPT_AGENT = "curl/8.5.0";

const HOUR = 3_600_000;

interface Recipient {
  contact: string;
  messageId: string;
  sentAt: number;
}

/** An SES event-publishing record for one recipient, from the SES fixtures, tagged with its campaign and contact. */
function sesRecord(type: SesType, campaignId: string, r: Recipient, at: number): Record<string, unknown> {
  const payload = JSON.parse(readFixtureFile(`ses/event-publishing__${type}-record.json`)) as Record<string, any>;
  payload.mail.messageId = r.messageId;
  payload.mail.timestamp = new Date(r.sentAt).toISOString();
  payload.mail.destination = [r.contact];
  payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)], [CONTACT_TAG]: [encodeTagValue(r.contact)] };
  const iso = new Date(at).toISOString();
  if (type === "delivery") Object.assign(payload.delivery, { recipients: [r.contact], timestamp: iso });
  if (type === "bounce")
    Object.assign(payload.bounce, {
      bounceType: "Permanent",
      bouncedRecipients: [{ ...payload.bounce.bouncedRecipients[0], emailAddress: r.contact }],
      timestamp: iso,
    });
  if (type === "complaint") Object.assign(payload.complaint, { complainedRecipients: [{ emailAddress: r.contact }], timestamp: iso });
  return payload;
}

async function expectOk(response: Response, what: string, status: number): Promise<void> {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/** What a seeded campaign must end with, as GET /api/campaigns/<id>/stats reports it. */
export interface Expected {
  sent: number;
  delivered: number;
  bouncesHard: number;
  complaints: number;
  /** Human and machine opens together: which ones are machines' is the classifier's business, not this test's. */
  opens: number;
  clicks: number;
}

export interface CampaignPlan {
  campaignId: string;
  recipients: number;
  /** When the first message went out; the others follow a minute apart. */
  start: number;
  /** Recipient indexes that hard-bounce (never delivered). */
  bounced?: number[];
  /** Recipient indexes that never hear back (neither delivered nor bounced). */
  pending?: number[];
  /** Recipient indexes that complain, and how long after sending. */
  complaints?: { index: number; after: number }[];
  /** Recipient indexes that open in a browser; an index listed twice opens twice. */
  opens?: number[];
  /** Recipient indexes whose pixel a script fetches. */
  scriptOpens?: number[];
  /** Clicks: recipient index and link. */
  clicks?: { index: number; url: string; linkIndex: number }[];
}

export function contactOf(campaignId: string, index: number): string {
  return `reader${index}@${campaignId}.example.com`;
}

/** Send the plan's SES events and tracked requests; answers what the campaign's counters must come to. */
export async function seedCampaign(origin: string, signer: TestSigner, plan: CampaignPlan): Promise<Expected> {
  const ring = await keyRing(TEST_TRACKING_KEYS);
  const bounced = new Set(plan.bounced ?? []);
  const pending = new Set(plan.pending ?? []);
  const recipients: Recipient[] = Array.from({ length: plan.recipients }, (_, i) => ({
    contact: contactOf(plan.campaignId, i),
    messageId: `e2e-${plan.campaignId}-${i}`,
    sentAt: plan.start + i * 60_000,
  }));
  const sns = async (type: SesType, r: Recipient, at: number) => {
    const body = JSON.stringify(
      await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(sesRecord(type, plan.campaignId, r, at)) }),
    );
    await expectOk(
      await fetch(`${origin}/sns`, { method: "POST", headers: { "content-type": "text/plain; charset=UTF-8" }, body }),
      `SNS ${type}`,
      200,
    );
  };
  for (const [i, r] of recipients.entries()) {
    await sns("send", r, r.sentAt);
    if (bounced.has(i)) await sns("bounce", r, r.sentAt + 30_000);
    else if (!pending.has(i)) await sns("delivery", r, r.sentAt + 20_000 + (i % 5) * HOUR);
  }
  for (const c of plan.complaints ?? []) await sns("complaint", recipients[c.index]!, recipients[c.index]!.sentAt + c.after);

  // Each request from its own network: the same URL from one network within a minute is one event (a replay).
  let network = 0;
  const track = async (path: string, agent: string, status: number) =>
    expectOk(
      await fetch(origin + path, {
        headers: { "user-agent": agent, accept: "text/html", "cf-connecting-ip": clientAddress(network++) },
        redirect: "manual",
      }),
      `GET ${path.slice(0, 3)}`,
      status,
    );
  for (const i of plan.opens ?? []) {
    await track(pixelPath(await signToken({ kind: "open", campaignId: plan.campaignId, contact: recipients[i]!.contact }, ring)), BROWSER_AGENT, 200);
  }
  for (const i of plan.scriptOpens ?? []) {
    await track(pixelPath(await signToken({ kind: "open", campaignId: plan.campaignId, contact: recipients[i]!.contact }, ring)), SCRIPT_AGENT, 200);
  }
  for (const c of plan.clicks ?? []) {
    const token = await signToken(
      { kind: "click", campaignId: plan.campaignId, contact: recipients[c.index]!.contact, url: c.url, linkIndex: c.linkIndex },
      ring,
    );
    await track(clickPath(token), BROWSER_AGENT, 302);
  }

  return {
    sent: plan.recipients,
    delivered: plan.recipients - bounced.size - pending.size,
    bouncesHard: bounced.size,
    complaints: plan.complaints?.length ?? 0,
    opens: (plan.opens?.length ?? 0) + (plan.scriptOpens?.length ?? 0),
    clicks: plan.clicks?.length ?? 0,
  };
}

/** True once the campaign's counters show everything seeded (the queue consumer stores and counts on its own). */
export function reached(stats: CampaignStats, expected: Expected): boolean {
  return (
    stats.sent === expected.sent &&
    stats.delivered === expected.delivered &&
    stats.bounces.hard === expected.bouncesHard &&
    stats.complaints === expected.complaints &&
    stats.opens.total + stats.opens.machine === expected.opens &&
    stats.clicks.total + stats.clicks.machine === expected.clicks
  );
}
