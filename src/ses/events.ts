// SES events (event publishing and identity notifications) into domain events: one per recipient where SES names them.

import * as v from "valibot";
import { normalizeEmail } from "../domain/email";
import { identityKey } from "../domain/identity";
import type { EventType, TrackingEvent } from "../domain/events";
import { CampaignId } from "../domain/schemas";
import { encodeBase64Url } from "../lib/base64url";
import { sendEventId } from "../domain/event-ids";
import { attributionFromTags } from "./tags";
import { parseSesTimestamp } from "./timestamp";

/** SES's names (eventType for event publishing, notificationType for identity notifications) → domain types. */
const SES_TYPES: Record<string, EventType> = {
  Send: "send",
  Reject: "reject",
  Bounce: "bounce",
  Complaint: "complaint",
  Delivery: "delivery",
  Open: "open",
  Click: "click",
  "Rendering Failure": "rendering_failure",
  DeliveryDelay: "delivery_delay",
  Subscription: "subscription",
};

const str = v.nullish(v.string());

const Mail = v.looseObject({
  timestamp: str,
  messageId: v.string(),
  destination: v.nullish(v.array(v.string())),
  tags: v.nullish(v.record(v.string(), v.array(v.string()))),
});

const Recipient = v.looseObject({ emailAddress: v.string(), action: str, status: str, diagnosticCode: str });

const Bounce = v.looseObject({
  bounceType: str,
  bounceSubType: str,
  bouncedRecipients: v.array(Recipient),
  timestamp: str,
  feedbackId: str,
  reportingMTA: str,
  remoteMtaIp: str,
});

const Complaint = v.looseObject({
  complainedRecipients: v.array(v.looseObject({ emailAddress: v.string() })),
  timestamp: str,
  feedbackId: str,
  userAgent: str,
  complaintFeedbackType: str,
  complaintSubType: str,
  arrivalDate: str,
});

const Delivery = v.looseObject({
  recipients: v.array(v.string()),
  timestamp: str,
  processingTimeMillis: v.nullish(v.number()),
  smtpResponse: str,
  reportingMTA: str,
  remoteMtaIp: str,
});

const DeliveryDelay = v.looseObject({
  delayedRecipients: v.array(Recipient),
  timestamp: str,
  delayType: str,
  expirationTime: str,
  reportingMTA: str,
});

const Open = v.looseObject({ timestamp: str, ipAddress: str, userAgent: str });

const Click = v.looseObject({
  timestamp: str,
  ipAddress: str,
  userAgent: str,
  link: str,
  linkTags: v.nullish(v.record(v.string(), v.array(v.string()))),
});

const TopicPreferences = v.looseObject({ unsubscribeAll: v.nullish(v.boolean()), topicSubscriptionStatus: v.nullish(v.array(v.unknown())) });

const Subscription = v.looseObject({
  contactList: str,
  timestamp: str,
  source: str,
  newTopicPreferences: v.nullish(TopicPreferences),
  oldTopicPreferences: v.nullish(TopicPreferences),
});

const Reject = v.looseObject({ reason: str });
const Failure = v.looseObject({ errorMessage: str, templateName: str });

/** Event publishing names the type in eventType, identity notifications in notificationType. */
const Kind = v.looseObject({ eventType: v.optional(v.string()), notificationType: v.optional(v.string()) });

const Envelope = v.looseObject({ mail: Mail });

export type SesParseResult =
  | { kind: "events"; sesType: string; events: TrackingEvent[] }
  /** A type this code does not know (new SES event types, inbound "Received", setup notices): acknowledged. */
  | { kind: "unknown_type"; sesType: string }
  /** Not an SES event, or one whose fields are not what SES documents. */
  | { kind: "invalid"; reason: string };

export interface SnsContext {
  /** The SNS MessageId: event ids derive from it, so a redelivery yields the same ids. */
  messageId: string;
  /** The SNS Timestamp: the time of last resort. */
  timestamp: string;
}

/** What one SES event says about one recipient (or about the message, when SES names no recipient). */
interface Draft {
  recipient: string | null;
  at: unknown;
  link?: string | null;
  userAgent?: string | null;
  ip?: string | null;
  metadata: Record<string, unknown>;
}

class InvalidSection extends Error {}

function section<S extends v.GenericSchema>(schema: S, data: unknown, name: string): v.InferOutput<S> {
  const result = v.safeParse(schema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new InvalidSection(`${name}${path ? "." + path : ""}: ${issue.message}`);
  }
  return result.output;
}

/** The per-recipient details SES keeps for bounces and delays. */
function recipientDetails(r: v.InferOutput<typeof Recipient>) {
  return { action: r.action, status: r.status, diagnosticCode: r.diagnosticCode };
}

function drafts(sesType: string, payload: Record<string, unknown>, destination: string[]): Draft[] {
  const everyRecipient = (at: unknown, metadata: Record<string, unknown>): Draft[] =>
    destination.length > 0 ? destination.map((recipient) => ({ recipient, at, metadata })) : [{ recipient: null, at, metadata }];
  switch (sesType) {
    case "Bounce": {
      const b = section(Bounce, payload.bounce, "bounce");
      const shared = {
        bounceType: b.bounceType,
        bounceSubType: b.bounceSubType,
        feedbackId: b.feedbackId,
        reportingMTA: b.reportingMTA,
        remoteMtaIp: b.remoteMtaIp,
      };
      return b.bouncedRecipients.map((r) => ({ recipient: r.emailAddress, at: b.timestamp, metadata: { ...shared, ...recipientDetails(r) } }));
    }
    case "Complaint": {
      const c = section(Complaint, payload.complaint, "complaint");
      const metadata = {
        complaintFeedbackType: c.complaintFeedbackType,
        complaintSubType: c.complaintSubType,
        feedbackId: c.feedbackId,
        arrivalDate: c.arrivalDate,
      };
      return c.complainedRecipients.map((r) => ({ recipient: r.emailAddress, at: c.timestamp, userAgent: c.userAgent, metadata }));
    }
    case "Delivery": {
      const d = section(Delivery, payload.delivery, "delivery");
      const metadata = {
        smtpResponse: d.smtpResponse,
        processingTimeMillis: d.processingTimeMillis,
        reportingMTA: d.reportingMTA,
        remoteMtaIp: d.remoteMtaIp,
      };
      return d.recipients.map((recipient) => ({ recipient, at: d.timestamp, metadata }));
    }
    case "DeliveryDelay": {
      const d = section(DeliveryDelay, payload.deliveryDelay, "deliveryDelay");
      const shared = { delayType: d.delayType, expirationTime: d.expirationTime, reportingMTA: d.reportingMTA };
      return d.delayedRecipients.map((r) => ({ recipient: r.emailAddress, at: d.timestamp, metadata: { ...shared, ...recipientDetails(r) } }));
    }
    case "Send":
      return everyRecipient(null, {});
    case "Reject":
      return everyRecipient(null, { reason: section(Reject, payload.reject ?? {}, "reject").reason });
    case "Rendering Failure": {
      const f = section(Failure, payload.failure ?? {}, "failure");
      return everyRecipient(null, { errorMessage: f.errorMessage, templateName: f.templateName });
    }
    case "Open": {
      const o = section(Open, payload.open, "open");
      return [{ recipient: null, at: o.timestamp, userAgent: o.userAgent, ip: o.ipAddress, metadata: {} }];
    }
    case "Click": {
      const c = section(Click, payload.click, "click");
      return [{ recipient: null, at: c.timestamp, userAgent: c.userAgent, ip: c.ipAddress, link: c.link, metadata: { linkTags: c.linkTags } }];
    }
    case "Subscription": {
      const s = section(Subscription, payload.subscription, "subscription");
      const metadata = {
        contactList: s.contactList,
        subscriptionSource: s.source,
        // Lifted to the top: it is what suppression acts on.
        unsubscribeAll: s.newTopicPreferences?.unsubscribeAll ?? null,
        newTopicPreferences: s.newTopicPreferences,
        oldTopicPreferences: s.oldTopicPreferences,
      };
      return [{ recipient: null, at: s.timestamp, metadata }];
    }
    default:
      throw new Error(`no parser for ${sesType}`);
  }
}

function firstTag(tags: Record<string, string[]> | null | undefined, name: string): string | null {
  return tags?.[name]?.[0] ?? null;
}

/** Campaign and contact as the sender tagged them; a value that is not a campaign id or an address is ignored. */
function attribution(tags: Record<string, string[]> | null | undefined): { campaignId: string | null; contact: string | null } {
  const { campaignId, contact } = attributionFromTags(tags ?? undefined);
  return {
    campaignId: campaignId !== null && v.is(CampaignId, campaignId) ? campaignId : null,
    contact: contact !== null && contact.includes("@") ? contact : null,
  };
}

function withoutEmpty(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined));
}

/** Deterministic: the same SNS message, type and recipient always give the same id (at most ~70 characters). */
export async function sesEventId(snsMessageId: string, type: EventType, recipient: string | null): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${type}\n${recipient ?? ""}`));
  return `sns:${snsMessageId}:${encodeBase64Url(new Uint8Array(digest)).slice(0, 22)}`;
}

/** Parse the `Message` of an SNS Notification carrying an SES event. */
export async function parseSesMessage(message: string, sns: SnsContext): Promise<SesParseResult> {
  let data: unknown;
  try {
    data = JSON.parse(message);
  } catch {
    return { kind: "invalid", reason: "the message is not JSON" };
  }
  const kind = v.safeParse(Kind, data);
  const sesType = kind.success ? (kind.output.eventType ?? kind.output.notificationType) : undefined;
  if (sesType === undefined) return { kind: "invalid", reason: "the message has neither eventType nor notificationType" };
  // Checked before the rest: SES's own notices (AmazonSnsSubscriptionSucceeded…) carry no mail object.
  const type = Object.hasOwn(SES_TYPES, sesType) ? SES_TYPES[sesType] : undefined;
  if (!type) return { kind: "unknown_type", sesType };
  const envelope = v.safeParse(Envelope, data);
  if (!envelope.success) return { kind: "invalid", reason: "the SES event has no valid mail object" };
  const { mail } = envelope.output;

  const destination = mail.destination ?? [];
  let list: Draft[];
  try {
    list = drafts(sesType, envelope.output as Record<string, unknown>, destination);
  } catch (err) {
    if (err instanceof InvalidSection) return { kind: "invalid", reason: err.message };
    throw err;
  }

  const { campaignId, contact: taggedContact } = attribution(mail.tags);
  // Opens and clicks name no recipient: the contact tag says who, else the only recipient there was.
  const messageContact = taggedContact ?? (destination.length === 1 ? destination[0]! : null);
  const mailTime = parseSesTimestamp(mail.timestamp);
  const snsTime = parseSesTimestamp(sns.timestamp) ?? Date.now();
  const configurationSet = firstTag(mail.tags, "ses:configuration-set");

  const events = await Promise.all(
    list.map(async (d): Promise<TrackingEvent> => {
      const email = d.recipient ?? messageContact;
      const contactId = email === null ? null : identityKey(email);
      return {
        // SES's Send for a one-recipient message is the send our own sender already recorded: same id. The others
        // hash the recipient as spelled (never the identity key), so ids stay what they were before it existed.
        id:
          type === "send" && destination.length === 1
            ? sendEventId(mail.messageId)
            : await sesEventId(sns.messageId, type, d.recipient === null ? null : normalizeEmail(d.recipient)),
        type,
        campaignId,
        contactId,
        email,
        sesMessageId: mail.messageId,
        occurredAt: parseSesTimestamp(d.at) ?? mailTime ?? snsTime,
        link: d.link ?? null,
        userAgent: d.userAgent ?? null,
        ip: d.ip ?? null,
        metadata: withoutEmpty({ source: "ses", sesEventType: sesType, snsMessageId: sns.messageId, configurationSet, ...d.metadata }),
      };
    }),
  );
  return { kind: "events", sesType, events };
}
