// The API's answers as valibot schemas: the routes document them (/openapi.json) and the dashboard takes its types from them.
// Imports only valibot and plain domain vocabularies, so the browser program (web/) can import it without Workers types.

import * as v from "valibot";
import { EVENT_TYPES } from "./events";
import { SUPPRESSION_REASONS } from "./suppression";

export * from "./engagement-contract";

const Iso = v.pipe(v.string(), v.description("ISO 8601 date-time, UTC"));
const IsoOrNull = v.nullable(Iso);
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Fraction = v.pipe(v.number(), v.description("a fraction, 4 decimals; 0 when there is nothing to divide by"));
const Cursor = v.pipe(v.nullable(v.string()), v.description("the next page's cursor; null on the last page"));

/** Every error answer: `error` a reason code, `message` for people, and any details the code names beside them. */
export function errorBody(codes: readonly [string, ...string[]]) {
  return v.looseObject({ error: v.picklist(codes), message: v.string() });
}
export type ErrorBody = { error: string; message: string } & Record<string, unknown>;

/** One page of a list: every list answers `{ items, cursor }`. */
export function page<S extends v.GenericSchema>(item: S) {
  return v.object({ items: v.array(item), cursor: Cursor });
}
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** The campaign counters a timeline point carries, one number each (the counters objects keep these rows). */
export const COUNTERS = [
  "sent",
  "delivered",
  "rejected",
  "bouncesHard",
  "bouncesSoft",
  "complaints",
  "deliveryDelays",
  "renderingFailures",
  "subscriptionChanges",
  "unsubscribeEvents",
  "unsubscribes",
  "opens",
  "opensUnique",
  "opensMachine",
  "opensSes",
  "clicks",
  "clicksUnique",
  "clicksMachine",
  "clicksSes",
] as const;
export type Counter = (typeof COUNTERS)[number];

// --- Campaign numbers ---

// Per mailbox provider (a campaign's and the account's): src/domain/provider-contract.ts.
export { AccountProviders, CampaignProviders, ProviderItem, ProviderRates } from "./provider-contract";

export const Rates = v.object({
  delivery: Fraction,
  open: Fraction,
  click: Fraction,
  clickToOpen: Fraction,
  bounce: Fraction,
  complaint: Fraction,
  unsubscribe: Fraction,
});

/** total and unique count people only; machine counts the rest, broken down by reason code. */
export const InteractionStats = v.object({
  total: Count,
  unique: Count,
  machine: Count,
  machineByReason: v.record(v.string(), Count),
  ses: Count,
});
export type InteractionStats = v.InferOutput<typeof InteractionStats>;

export const CampaignStatsReport = v.object({
  campaignId: v.string(),
  sent: Count,
  delivered: Count,
  rejected: Count,
  opens: InteractionStats,
  clicks: InteractionStats,
  bounces: v.object({ hard: Count, soft: Count }),
  complaints: Count,
  unsubscribes: Count,
  deliveryDelays: Count,
  renderingFailures: Count,
  subscriptionChanges: Count,
  rates: Rates,
});
export type CampaignStatsReport = v.InferOutput<typeof CampaignStatsReport>;

// --- The reputation guard ---

export const Thresholds = v.object({ minSent: Count, bounceRate: v.number(), complaintRate: v.number() });

export const PauseRecord = v.object({
  reason: v.picklist(["bounce_rate", "complaint_rate"]),
  pausedAt: Iso,
  sent: Count,
  bouncesHard: Count,
  complaints: Count,
  bounceRate: v.number(),
  complaintRate: v.number(),
  thresholds: Thresholds,
  from: IsoOrNull,
});

export const GuardState = v.object({
  scope: v.picklist(["campaign", "account"]),
  enabled: v.boolean(),
  paused: v.boolean(),
  pause: v.nullable(PauseRecord),
  resumedAt: IsoOrNull,
  thresholds: Thresholds,
});

export const GuardSettings = v.object({
  enabled: v.boolean(),
  minSent: v.nullable(Count),
  bounceRate: v.nullable(v.number()),
  complaintRate: v.nullable(v.number()),
});

/** A campaign's guard with the account's pause beside it; `sendsPaused` when either holds its sends. */
export const GuardReport = v.object({
  ...GuardState.entries,
  settings: GuardSettings,
  account: v.object({ paused: v.boolean(), pause: v.nullable(PauseRecord), resumedAt: IsoOrNull }),
  sendsPaused: v.boolean(),
});

export const AccountGuard = v.object({
  ...GuardState.entries,
  window: v.object({ sent: Count, bouncesHard: Count, complaints: Count, from: Iso }),
});

const Requeued = {
  requeued: Count,
  stillPaused: Count,
  more: v.boolean(),
};

export const AccountResume = v.object({ resumed: v.boolean(), ...Requeued, guard: GuardState });
export const CampaignResume = v.object({ campaignId: v.string(), resumed: v.boolean(), ...Requeued, guard: GuardReport });

/** GET /api/campaigns/<id>/stats. */
export const CampaignStats = v.object({ ...CampaignStatsReport.entries, guard: GuardReport });
export type CampaignStats = v.InferOutput<typeof CampaignStats>;

export const CampaignListItem = v.object({ ...CampaignStats.entries, firstEventAt: IsoOrNull, lastEventAt: IsoOrNull });
export type CampaignListItem = v.InferOutput<typeof CampaignListItem>;

export const CampaignList = v.object({
  ...page(CampaignListItem).entries,
  campaigns: v.pipe(v.array(CampaignListItem), v.description("the same as items (kept for existing callers)")),
  nextCursor: v.pipe(Cursor, v.description("the same as cursor (kept for existing callers)")),
});

export type Bucket = "hour" | "day";

/** One bucket: its start and every counter. */
export const TimelinePoint = v.object({ start: Iso, ...Object.fromEntries(COUNTERS.map((c) => [c, Count])) } as {
  start: typeof Iso;
} & Record<Counter, typeof Count>);
export type TimelinePoint = v.InferOutput<typeof TimelinePoint>;

export const Timeline = v.object({
  campaignId: v.string(),
  bucket: v.picklist(["hour", "day"]),
  from: IsoOrNull,
  to: IsoOrNull,
  points: v.array(TimelinePoint),
});
export type Timeline = v.InferOutput<typeof Timeline>;

export const LinkRow = v.object({
  linkIndex: v.nullable(v.number()),
  url: v.nullable(v.string()),
  clicks: v.object({ total: Count, unique: Count, machine: Count }),
});
export type LinkRow = v.InferOutput<typeof LinkRow>;

export const Links = v.object({ campaignId: v.string(), links: v.array(LinkRow) });
export type Links = v.InferOutput<typeof Links>;

export const Rebuild = v.object({ rebuilt: v.object({ events: Count }), stats: CampaignStats });

const Track = v.object({ opens: v.boolean(), clicks: v.boolean(), honeypot: v.boolean() });

export const CampaignSettings = v.object({
  campaignId: v.string(),
  track: Track,
  guard: v.object({ ...GuardSettings.entries, thresholds: Thresholds, paused: v.boolean() }),
});

// --- Events, contacts, suppressions, segments ---

export const ContactEvent = v.object({
  id: v.string(),
  type: v.picklist(EVENT_TYPES),
  campaignId: v.nullable(v.string()),
  email: v.nullable(v.string()),
  sesMessageId: v.nullable(v.string()),
  occurredAt: Iso,
  link: v.nullable(v.string()),
  linkIndex: v.nullable(v.number()),
  userAgent: v.nullable(v.string()),
  ip: v.nullable(v.string()),
  machine: v.pipe(v.nullable(v.boolean()), v.description("opens and clicks: judged a machine; null for other events")),
  machineReason: v.nullable(v.string()),
  metadata: v.nullable(v.record(v.string(), v.unknown())),
});
export type ContactEvent = v.InferOutput<typeof ContactEvent>;

export const Suppression = v.object({
  email: v.string(),
  reason: v.picklist(SUPPRESSION_REASONS),
  since: Iso,
  expiresAt: IsoOrNull,
  eventId: v.nullable(v.string()),
});
export type Suppression = v.InferOutput<typeof Suppression>;

export const Segment = v.object({
  segment: v.object({
    did: v.optional(v.picklist(EVENT_TYPES)),
    didNot: v.optional(v.picklist(EVENT_TYPES)),
    campaignId: v.nullable(v.string()),
    since: Iso,
  }),
  ...page(v.object({ contactId: v.string(), lastAt: Iso })).entries,
  contacts: v.pipe(v.array(v.object({ contactId: v.string(), lastAt: Iso })), v.description("the same as items (kept for existing callers)")),
  nextCursor: v.pipe(Cursor, v.description("the same as cursor (kept for existing callers)")),
});

/** The right of access: everything held about one address. */
export const PersonExport = v.looseObject({
  email: v.string(),
  contactId: v.string(),
  exportedAt: Iso,
  retentionDays: Count,
  events: v.array(ContactEvent),
  eventsTruncated: v.boolean(),
  suppression: v.nullable(Suppression),
  erasedSuppression: v.nullable(v.object({ reason: v.string(), since: Iso, expiresAt: IsoOrNull, erasedAt: Iso })),
  suppressionLift: v.nullable(v.object({ email: v.string(), liftedAt: Iso })),
  suppressionHistory: v.array(
    v.object({ email: v.string(), action: v.string(), reason: v.nullable(v.string()), at: Iso, eventId: v.nullable(v.string()) }),
  ),
  deliveries: v.array(v.looseObject({ createdAt: Iso, updatedAt: Iso })),
  counters: v.array(v.looseObject({ campaignId: v.string() })),
  deadLetters: v.array(v.looseObject({ messageId: v.string(), queue: v.string(), status: v.string() })),
  webhookDeliveries: v.array(v.looseObject({ payload: v.unknown(), createdAt: Iso })),
  archive: v.looseObject({ retentionDays: Count, pseudonym: v.nullable(v.string()) }),
  idempotencyKeys: v.pipe(v.array(v.unknown()), v.description("always empty: keys are stored as keyed digests")),
});

/** The right to erasure: rows removed per store, and whether a keyed hash keeps the address unmailable. */
export const ErasureReport = v.object({
  email: v.string(),
  key: v.string(),
  erased: v.record(v.string(), v.union([Count, v.record(v.string(), Count)])),
  stillSuppressed: v.boolean(),
  erasedAt: Iso,
});

// --- Sending ---

const ListUnsubscribeHeaders = v.object({ "List-Unsubscribe": v.string(), "List-Unsubscribe-Post": v.literal("List-Unsubscribe=One-Click") });

export const MintedLinks = v.object({
  pixel: v.string(),
  click: v.optional(v.string()),
  unsubscribe: v.string(),
  headers: ListUnsubscribeHeaders,
});

export const Instrumented = v.object({
  html: v.string(),
  headers: ListUnsubscribeHeaders,
  emailTags: v.array(v.object({ Name: v.string(), Value: v.string() })),
  unsubscribe: v.string(),
  trackedLinks: Count,
  pixel: v.boolean(),
  honeypot: v.boolean(),
  track: Track,
});

export const Sent = v.object({ messageId: v.string() });

export const SendJobAccepted = v.object({
  campaignId: v.string(),
  jobId: v.string(),
  queued: Count,
  duplicates: Count,
  idempotencyKey: v.string(),
});

export const SendJob = v.object({
  campaignId: v.string(),
  jobId: v.string(),
  createdAt: Iso,
  recipients: Count,
  enqueued: Count,
  finishedAt: IsoOrNull,
  counts: v.record(v.string(), Count),
  unknown: v.array(v.object({ to: v.string(), position: Count, attempts: Count, error: v.nullable(v.string()), since: Iso })),
  cursor: Cursor,
  nextCursor: v.pipe(Cursor, v.description("the same as cursor (kept for existing callers)")),
});

export const Requeue = v.object({ campaignId: v.string(), jobId: v.string(), requeued: Count });

// --- Dead letters, webhooks, archive ---

export const DeadLetter = v.object({
  id: v.string(),
  queue: v.string(),
  status: v.picklist(["pending", "replayed", "held"]),
  reason: v.nullable(v.string()),
  attempts: v.nullable(v.number()),
  enqueuedAt: IsoOrNull,
  receivedAt: IsoOrNull,
  replayedAt: IsoOrNull,
  replayAttempts: Count,
  lastError: v.nullable(v.string()),
  body: v.unknown(),
});

export const ReplayReport = v.object({
  replayed: v.array(v.string()),
  failed: v.array(v.object({ id: v.string(), error: v.string() })),
  skipped: v.array(v.object({ id: v.string(), reason: v.string() })),
  pending: v.optional(Count),
});

export const WebhookEndpoint = v.object({
  id: v.string(),
  url: v.string(),
  description: v.nullable(v.string()),
  eventTypes: v.nullable(v.array(v.string())),
  campaignId: v.nullable(v.string()),
  enabled: v.boolean(),
  disabledReason: v.nullable(v.string()),
  disabledAt: IsoOrNull,
  failingSince: IsoOrNull,
  lastSuccessAt: IsoOrNull,
  lastFailureAt: IsoOrNull,
  previousSecretExpiresAt: IsoOrNull,
  createdAt: IsoOrNull,
  updatedAt: IsoOrNull,
});

/** The secret is in this answer only. */
export const WebhookEndpointWithSecret = v.object({ ...WebhookEndpoint.entries, secret: v.string() });

export const WebhookDelivery = v.object({
  id: v.string(),
  eventId: v.string(),
  type: v.string(),
  campaignId: v.nullable(v.string()),
  state: v.picklist(["pending", "sending", "delivered", "failed"]),
  nextAttemptAt: IsoOrNull,
  lastStatus: v.nullable(v.number()),
  lastError: v.nullable(v.string()),
  createdAt: IsoOrNull,
  deliveredAt: IsoOrNull,
  attempts: v.array(
    v.object({
      n: Count,
      at: IsoOrNull,
      outcome: v.string(),
      status: v.nullable(v.number()),
      latencyMs: v.nullable(v.number()),
      error: v.nullable(v.string()),
    }),
  ),
});

export const ArchiveObject = v.object({ key: v.string(), size: Count, events: v.nullable(Count) });

export const FlushReport = v.object({
  files: v.array(v.object({ key: v.string(), events: Count, size: Count })),
  events: Count,
  more: v.boolean(),
});

/** One client (mail client for opens, browser for clicks), device type or operating system: human events and people. */
const AudienceItem = v.object({ name: v.string(), opens: Count, openers: Count, clicks: Count, clickers: Count });
export const CampaignAudience = v.object({
  campaignId: v.string(),
  clients: v.pipe(v.array(AudienceItem), v.description("mail clients (opens) and browsers (clicks), most opens and clicks first")),
  devices: v.pipe(v.array(AudienceItem), v.description("desktop, mobile, tablet, unknown (a proxy's open)")),
  os: v.array(AudienceItem),
  countries: v.pipe(
    v.array(v.object({ country: v.string(), opens: Count, openers: Count, clicks: Count, clickers: Count })),
    v.description("the edge's country of clicks and direct opens (a proxied open's country is the proxy's: left out)"),
  ),
});
export type CampaignAudience = v.InferOutput<typeof CampaignAudience>;
