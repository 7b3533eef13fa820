// Request bodies of the sending API (valibot): one send, a campaign send, instrumentation, campaign settings; job ids.

import * as v from "valibot";
import { CampaignId, Email, jsonObject } from "../domain/schemas";
import { fitsInTag, RESERVED_TAGS, TAG_TEXT } from "../ses/tags";
import { mailboxAddress } from "./mailbox";

/** The most recipients one campaign send call takes. */
export const MAX_RECIPIENTS = 10_000;
/** Gmail clips messages over ~102 KB; this leaves room for far larger HTML while bounding what we store. */
export const MAX_HTML_BYTES = 512 * 1024;
export const MAX_TEXT_BYTES = 256 * 1024;
export const MAX_USER_TAGS = 10;
/** The largest body of a one-message request: mostly its HTML and text, and the JSON around them. */
export const MESSAGE_BODY_LIMIT = MAX_HTML_BYTES + 320 * 1024;
/** The largest campaign send body: a message and 10,000 recipients of up to 254 characters each. */
export const CAMPAIGN_BODY_LIMIT = MESSAGE_BODY_LIMIT + 3 * 1024 * 1024;

const noLineBreaks = v.check((s: string) => !/[\r\n]/.test(s), "must not contain line breaks");

/** A recipient: a bare address, short enough to travel in an SES tag (it attributes every SES event). */
export const Recipient = v.pipe(Email, v.check(fitsInTag, "is too long to carry in an SES message tag"));

/** A sender or reply-to mailbox: `ann@example.com` or `Ann Lee <ann@example.com>`. */
export const Mailbox = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(320),
  noLineBreaks,
  v.check((s) => mailboxAddress(s) !== null, 'must be an email address or "Name <address>"'),
);

const Subject = v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(998), noLineBreaks);
const Html = v.pipe(v.string(), v.maxBytes(MAX_HTML_BYTES));
const Text = v.pipe(v.string(), v.maxBytes(MAX_TEXT_BYTES));

const TrackEntries = { opens: v.optional(v.boolean()), clicks: v.optional(v.boolean()) };
export const Track = jsonObject(TrackEntries);

const UserTags = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.regex(TAG_TEXT, "tag names may hold only letters, digits, '_' and '-'"),
      v.check((n) => !RESERVED_TAGS.has(n), "is a reserved tag name"),
    ),
    v.pipe(v.string(), v.regex(TAG_TEXT, "tag values may hold only letters, digits, '_' and '-' (at most 256)")),
  ),
  v.check((tags) => Object.keys(tags).length <= MAX_USER_TAGS, `at most ${MAX_USER_TAGS} tags`),
);

const messageFields = {
  from: Mailbox,
  subject: Subject,
  html: v.optional(Html),
  text: v.optional(Text),
  replyTo: v.optional(v.union([Mailbox, v.pipe(v.array(Mailbox), v.maxLength(10))])),
  tags: v.optional(UserTags),
  track: v.optional(Track),
};

function hasBody<T extends { html?: string; text?: string }>() {
  return v.check<T, string>((b) => b.html !== undefined || b.text !== undefined, "html or text is required");
}

/** `POST /api/send` (a contract). */
export const SendRequest = v.pipe(jsonObject({ campaignId: CampaignId, to: Recipient, ...messageFields }), hasBody());

/** `POST /api/campaigns/<id>/send`. */
export const CampaignSendRequest = v.pipe(
  jsonObject({
    ...messageFields,
    recipients: v.pipe(v.array(jsonObject({ to: Recipient })), v.minLength(1, "must list a recipient"), v.maxLength(MAX_RECIPIENTS)),
  }),
  hasBody(),
);

/** `POST /api/instrument`. */
export const InstrumentRequest = jsonObject({ campaignId: CampaignId, contact: Recipient, html: Html, track: v.optional(Track) });

/** A send job's id (a UUID when this deployment made it): in `/api/campaigns/<id>/jobs/<jobId>` and in send tasks. */
export const JobId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/, "must be a job id"));

const Rate = v.pipe(v.number(), v.gtValue(0, "must be above 0"), v.maxValue(1, "must be at most 1 (a fraction: 0.05 is 5 %)"));

/** The campaign's reputation guard: off or on, and thresholds of its own (null: back to the deployment's). */
export const GuardSettingsRequest = jsonObject({
  enabled: v.optional(v.boolean()),
  minSent: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000_000)))),
  bounceRate: v.optional(v.nullable(Rate)),
  complaintRate: v.optional(v.nullable(Rate)),
});

/**
 * `PUT /api/campaigns/<id>/settings`: the tracking switches (a send's, and the honeypot link, campaign-wide only), the
 * guard, or both.
 */
export const CampaignSettingsRequest = v.pipe(
  jsonObject({ track: v.optional(jsonObject({ ...TrackEntries, honeypot: v.optional(v.boolean()) })), guard: v.optional(GuardSettingsRequest) }),
  v.check((b) => b.track !== undefined || b.guard !== undefined, "name track or guard"),
);

export type SendRequest = v.InferOutput<typeof SendRequest>;
export type CampaignSendRequest = v.InferOutput<typeof CampaignSendRequest>;
