// Signed SNS notifications for load runs: SES events for the run's campaigns, a share of them posted twice.
//
// Each notification carries one SES event for one recipient (a Send, Delivery, Open or Click made from the SES
// fixtures), tagged with its campaign and contact, under a fresh SNS MessageId and SES message id: so each yields
// exactly one stored event, and a replay (the same body again, as SNS redelivers) must add nothing.
import { CAMPAIGN_TAG, CONTACT_TAG, encodeTagValue } from "../../src/ses/tags.ts";
import { signedNotification, type TestSigner } from "./sns-signer.ts";
import { TEST_SNS_TOPIC_ARN } from "./sns-topic.ts";

/** The fixture each SES event type is made from, and the event type it is stored as. */
export const SES_TEMPLATES = {
  send: "ses/event-publishing__send-record.json",
  delivery: "ses/event-publishing__delivery-record.json",
  open: "ses/event-publishing__open-record.json",
  click: "ses/event-publishing__click-record.json",
} as const;

export interface SnsPlan {
  /** Bodies to POST to /sns, replays included (a replay is the identical body), in a shuffled order. */
  bodies: string[];
  /** Distinct notifications. */
  unique: number;
  replayed: number;
  /** Events each campaign and type must end with ("campaign|type" → n), replays counted once. */
  expected: Map<string, number>;
}

/**
 * `count` distinct notifications spread over `campaigns`, each for one of `contactsPerCampaign` contacts, plus
 * `replayShare` of them posted a second time. `fixture(path)` reads an SES fixture (test/fixtures/ses).
 */
export async function planNotifications(options: {
  signer: TestSigner;
  fixture: (path: string) => string;
  campaigns: readonly string[];
  contactsPerCampaign: number;
  count: number;
  replayShare: number;
}): Promise<SnsPlan> {
  const { signer, campaigns, contactsPerCampaign, count, replayShare } = options;
  const templates = Object.entries(SES_TEMPLATES).map(([type, path]) => ({
    type,
    payload: JSON.parse(options.fixture(path)) as Record<string, any>,
  }));
  const bodies: string[] = [];
  const expected = new Map<string, number>();
  let replayed = 0;
  for (let i = 0; i < count; i++) {
    const campaignId = campaigns[i % campaigns.length]!;
    const template = templates[Math.floor(i / campaigns.length) % templates.length]!;
    const contact = `sns${i % contactsPerCampaign}@${campaignId}.example.com`;
    const payload = structuredClone(template.payload);
    payload.mail.messageId = `load-${campaignId}-${i}`;
    payload.mail.destination = [contact];
    payload.mail.tags = { ...payload.mail.tags, [CAMPAIGN_TAG]: [encodeTagValue(campaignId)], [CONTACT_TAG]: [encodeTagValue(contact)] };
    if (payload.delivery) payload.delivery.recipients = [contact];
    const body = JSON.stringify(await signedNotification(signer, { topicArn: TEST_SNS_TOPIC_ARN, message: JSON.stringify(payload) }));
    bodies.push(body);
    // Spread the replays evenly: every 1/replayShare-th notification is posted twice.
    if (replayShare > 0 && Math.floor((i + 1) * replayShare) > Math.floor(i * replayShare)) {
      bodies.push(body);
      replayed++;
    }
    const key = `${campaignId}|${template.type}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  // A replay may arrive before, after or at the same time as its first copy.
  for (let i = bodies.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
  }
  return { bodies, unique: count, replayed, expected };
}

/** Add `more` into `into` ("campaign|type" counts). */
export function addCounts(into: Map<string, number>, more: ReadonlyMap<string, number>): Map<string, number> {
  for (const [k, v] of more) into.set(k, (into.get(k) ?? 0) + v);
  return into;
}
