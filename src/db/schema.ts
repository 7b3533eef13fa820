// The D1 schema (Drizzle). Migrations in migrations/ are generated from this file by drizzle-kit.

import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Every event, once: the primary key is the id fixed where the event was born. */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    campaignId: text("campaign_id"),
    /** The identity key of the person (src/domain/identity.ts); `email` is the address as it was mailed. */
    contactId: text("contact_id"),
    email: text("email"),
    sesMessageId: text("ses_message_id"),
    /** Milliseconds since the epoch, when it happened. */
    occurredAt: integer("occurred_at").notNull(),
    /** Milliseconds since the epoch, when the consumer stored it. */
    receivedAt: integer("received_at").notNull(),
    link: text("link"),
    linkIndex: integer("link_index"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    /** Opens and clicks: made by a machine (true) or a person (false); null for other types and older rows. */
    machine: integer("machine", { mode: "boolean" }),
    /** The verdict's reason code (src/machine/classify.ts REASONS); null where `machine` is. */
    machineReason: text("machine_reason"),
  },
  (t) => [
    index("events_campaign_time").on(t.campaignId, t.occurredAt),
    index("events_contact_time").on(t.contactId, t.occurredAt),
    index("events_ses_message").on(t.sesMessageId),
    // Segments: walk one event type's contacts in order, the time check answered from the index itself.
    index("events_type_contact_time").on(t.type, t.contactId, t.occurredAt),
    index("events_campaign_type_contact_time").on(t.campaignId, t.type, t.contactId, t.occurredAt),
    // A campaign's opens and clicks by verdict, newest first (GET /api/campaigns/<id>/events?machine=): only rows
    // that have a verdict are in it, so other events cost the index nothing.
    index("events_campaign_machine_time").on(t.campaignId, t.machine, t.occurredAt, t.id).where(sql`machine IS NOT NULL`),
  ],
);

/**
 * The campaigns that have events, for listing them without scanning events. Upserted in the same D1
 * batch as the events (idempotent: first/last only widen), so it is exactly as current as events.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    /** Milliseconds since the epoch: the earliest and latest occurred_at of its events. */
    firstEventAt: integer("first_event_at").notNull(),
    lastEventAt: integer("last_event_at").notNull(),
  },
  (t) => [index("campaigns_recent").on(t.lastEventAt, t.id)],
);

/**
 * What a dead letter is waiting for: `pending` ones are looked at by the next replay, `replayed` ones had their
 * events stored, `held` ones are kept only to be read (send tasks, bodies that are not events): replay only ever
 * stores event envelopes, and holds anything else the first time it reads it.
 */
export const DEAD_LETTER_STATUSES = ["pending", "replayed", "held"] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** Queue messages that exhausted their retries: kept whole so nothing vanishes, and replayed once storage is back. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    /** The queue message id: a redelivered dead letter is stored once. */
    messageId: text("message_id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    /** Why it landed here when the consumer knew (e.g. a body that is not an event envelope). */
    reason: text("reason"),
    enqueuedAt: integer("enqueued_at").notNull(),
    receivedAt: integer("received_at").notNull().default(sql`(unixepoch() * 1000)`),
    status: text("status").$type<DeadLetterStatus>().notNull().default("pending"),
    replayedAt: integer("replayed_at"),
    /** Failed replays so far: the scheduled replay takes the least-tried first, so a poison row blocks nothing. */
    replayAttempts: integer("replay_attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [index("dead_letters_received").on(t.receivedAt, t.messageId), index("dead_letters_replay").on(t.status, t.replayAttempts, t.receivedAt)],
);

/**
 * The identity key (src/domain/identity.ts) of the row's address: the whole address lower-cased, computed by SQLite
 * itself so rows written before it existed have it too, and so no writer can forget it.
 */
const emailKey = () => text("email_key").generatedAlwaysAs(sql`lower("email")`, { mode: "virtual" });

/**
 * Who must not be mailed, one row per address whatever its case (`Ann@x` complained: `ann@x` is not mailed);
 * `email` is the address as first given, for display. Permanent reasons have no expiry; a soft-bounce
 * suppression expires. A manual lift deletes the row and is remembered in suppression_lifts.
 */
export const suppressions = sqliteTable(
  "suppressions",
  {
    email: text("email").primaryKey(),
    reason: text("reason").notNull(),
    since: integer("since").notNull(),
    expiresAt: integer("expires_at"),
    /** The event that caused it; null for a manual add. */
    eventId: text("event_id"),
    /** When it was mirrored to the SES account-level suppression list; null while not (yet) mirrored. */
    sesSyncedAt: integer("ses_synced_at"),
    /** The last try to mirror it, and why it failed: a refused address goes behind the others, never before them. */
    sesSyncAttemptAt: integer("ses_sync_attempt_at"),
    sesSyncError: text("ses_sync_error"),
    emailKey: emailKey(),
  },
  (t) => [
    uniqueIndex("suppressions_email_key").on(t.emailKey),
    index("suppressions_event").on(t.eventId),
    index("suppressions_ses_pending").on(t.sesSyncedAt, t.sesSyncAttemptAt, t.since),
  ],
);

/** The last manual lift per address (matched like suppressions): events from before it never suppress again. */
export const suppressionLifts = sqliteTable(
  "suppression_lifts",
  {
    email: text("email").primaryKey(),
    liftedAt: integer("lifted_at").notNull(),
    emailKey: emailKey(),
  },
  (t) => [uniqueIndex("suppression_lifts_email_key").on(t.emailKey)],
);

/**
 * Suppressions of people who were erased (DELETE /api/contacts/<email>): the address is gone, an HMAC of its
 * lower-cased form (keyed with ERASURE_KEY) is kept so that a later send to it is still refused.
 */
export const erasedSuppressions = sqliteTable("erased_suppressions", {
  /** base64url HMAC-SHA256 of the address as suppressions compare it (see src/privacy/address-hash.ts). */
  addressHash: text("address_hash").primaryKey(),
  reason: text("reason").notNull(),
  since: integer("since").notNull(),
  /** Soft-bounce suppressions still expire. */
  expiresAt: integer("expires_at"),
  erasedAt: integer("erased_at").notNull(),
});

/**
 * Who was erased, as the keyed hash of their identity key (src/privacy/address-hash.ts), and when. A tombstone: an
 * event of theirs still on a queue when they were erased (it happened before `erasedAt`) is dropped by the consumer
 * instead of re-creating what erasure removed.
 */
export const erasures = sqliteTable("erasures", {
  addressHash: text("address_hash").primaryKey(),
  erasedAt: integer("erased_at").notNull(),
});

/** Every change to an address's suppression state, for audit. */
export const suppressionHistory = sqliteTable(
  "suppression_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    action: text("action").notNull(),
    reason: text("reason"),
    at: integer("at").notNull(),
    eventId: text("event_id"),
    emailKey: emailKey(),
  },
  (t) => [
    index("suppression_history_email").on(t.email, t.at),
    // Export and erasure find one person's history by equality on the identity key.
    index("suppression_history_email_key").on(t.emailKey),
    // An event suppresses at most once in the history, however often it is replayed.
    uniqueIndex("suppression_history_event_action").on(t.eventId, t.action),
  ],
);

/** Per-campaign tracking switches; a campaign without a row tracks opens and clicks. */
export const campaignSettings = sqliteTable("campaign_settings", {
  campaignId: text("campaign_id").primaryKey(),
  trackOpens: integer("track_opens", { mode: "boolean" }).notNull().default(true),
  trackClicks: integer("track_clicks", { mode: "boolean" }).notNull().default(true),
  /** One hidden honeypot link per message (src/tracking/honeypot.ts), when clicks are tracked. */
  trackHoneypot: integer("track_honeypot", { mode: "boolean" }).notNull().default(true),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The network lists human-or-machine classification uses, as the last good refresh stored them
 * (src/cron/network-lists.ts): the encoded lists (src/machine/networks.ts) cut into parts under D1's row size limit,
 * base64url text. A refresh writes its parts and moves `network_lists_current` to them in one transaction, so a
 * reader never sees half a copy and a failed refresh leaves the last good one.
 */
export const networkLists = sqliteTable(
  "network_lists",
  {
    version: text("version").notNull(),
    part: integer("part").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.version, t.part] })],
);

/** One row (`name` = "current"): which stored copy is in force, when it was refreshed, and what each source gave. */
export const networkListsCurrent = sqliteTable("network_lists_current", {
  name: text("name").primaryKey(),
  version: text("version").notNull(),
  refreshedAt: integer("refreshed_at").notNull(),
  summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
});

/**
 * One campaign send request: the message is stored once here, and each recipient travels the send queue as a
 * small message naming this row (a 100 KB newsletter per queue message would not fit Queues' limits).
 */
export const sendJobs = sqliteTable(
  "send_jobs",
  {
    id: text("id").primaryKey(),
    campaignId: text("campaign_id").notNull(),
    /** Origin of the tracking links, fixed when the job was accepted (the consumer has no request to take it from). */
    origin: text("origin").notNull(),
    fromAddress: text("from_address").notNull(),
    replyTo: text("reply_to", { mode: "json" }).$type<string[]>(),
    subject: text("subject").notNull(),
    html: text("html"),
    text: text("text"),
    tags: text("tags", { mode: "json" }).$type<Record<string, string>>(),
    trackOpens: integer("track_opens", { mode: "boolean" }).notNull(),
    trackClicks: integer("track_clicks", { mode: "boolean" }).notNull(),
    recipients: integer("recipients").notNull(),
    /**
     * How many of the job's tasks (in recipient order) are known to be on the send queue: a repeated request
     * resumes after them. A chunk enqueued but not counted (the write failed) is enqueued again, harmlessly:
     * each task is claimed in `deliveries` before it is sent.
     */
    enqueued: integer("enqueued").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    /**
     * When every recipient was settled (sent, rejected or suppressed), or when the job outlived the send queue's
     * retention: the message (`html`, `text`) is cleared then, so no copy of it outlives the job.
     */
    finishedAt: integer("finished_at"),
  },
  (t) => [index("send_jobs_campaign").on(t.campaignId, t.createdAt)],
);

/**
 * One row per recipient of a send job: the claim that makes each email go out at most once. States:
 * `queued` (claimable), `paused` (held by the reputation guard, claimable once sending resumes), `sending`
 * (claimed for one SES call), `sent`, `rejected`, `suppressed`, `unknown` (SES may or may not have taken it:
 * never sent again except by an operator's resend-unknown), and `dead_lettered` (its task ran out of retries before
 * SES took it: sent only by an operator's send-dead-lettered).
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    jobId: text("job_id").notNull(),
    /** The address lower-cased whole, as suppression matching compares it. */
    recipient: text("recipient").notNull(),
    /** The address as the request gave it: what is mailed and displayed. */
    email: text("email").notNull(),
    /** Position in the request's recipient list. */
    position: integer("position").notNull(),
    state: text("state").notNull(),
    /** How many times it was claimed for an SES call. */
    attempts: integer("attempts").notNull().default(0),
    sesMessageId: text("ses_message_id"),
    /** Why it is rejected or unknown, as SES or the network said it. */
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.recipient] }),
    index("deliveries_job_state").on(t.jobId, t.state, t.position),
    // The reputation guard's resume and sweep look for `paused` recipients across jobs.
    index("deliveries_state").on(t.state, t.jobId, t.recipient),
    // Erasure and export find one person's claims across every job.
    index("deliveries_recipient").on(t.recipient),
  ],
);

/**
 * `Idempotency-Key`s of sending requests, kept 24 hours: the request's fingerprint (method, path and canonical
 * body), and once it has an outcome, the answer to give again. `in_progress` rows are leased to one request.
 * `key` is the keyed digest of the caller's key (src/privacy/idempotency-digest.ts), never the key itself, and the
 * answer is kept without the key or any address in it, so the table names nobody and erasure has nothing here to
 * delete.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    key: text("key").primaryKey(),
    /** False only for rows stored before digests (their `key` is the caller's key): digested on first sight. */
    digested: integer("digested", { mode: "boolean" }).notNull().default(false),
    fingerprint: text("fingerprint").notNull(),
    /** `in_progress` or `done`. */
    state: text("state").notNull(),
    /** Until when the request holding it is presumed alive; a repeat after that takes over (or learns the outcome is unknown). */
    lockedUntil: integer("locked_until").notNull(),
    /** The send job the request created, so that a repeat resumes it instead of starting another. */
    jobId: text("job_id"),
    status: integer("status"),
    response: text("response"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("idempotency_keys_expiry").on(t.expiresAt)],
);

/**
 * Outbound webhook endpoints (Standard Webhooks). `secret` signs every message; after a rotation the previous one
 * signs too until `previousSecretExpiresAt`. An endpoint whose attempts all failed for a day is disabled, and
 * `disabledReason` says why. A null `eventTypes` or `campaignId` filters nothing.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    url: text("url").notNull(),
    description: text("description"),
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>(),
    campaignId: text("campaign_id"),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    disabledAt: integer("disabled_at"),
    /** The first failed attempt since the last success; null while the endpoint answers. */
    failingSince: integer("failing_since"),
    lastSuccessAt: integer("last_success_at"),
    lastFailureAt: integer("last_failure_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_created").on(t.createdAt, t.id)],
);

export const WEBHOOK_DELIVERY_STATES = ["pending", "sending", "delivered", "failed"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/**
 * One event for one endpoint: its `id` is the `webhook-id` the receiver sees, the same on every attempt, and the
 * body is fixed when the row is made. `pending` waits for `nextAttemptAt`; `sending` is claimed by the queue message
 * `claimedBy` for one attempt; `delivered` and `failed` are final until someone retries it by hand.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    campaignId: text("campaign_id"),
    /** The identity key of the event's person (null for notices): export and erasure match it by equality. */
    contactKey: text("contact_key"),
    payload: text("payload").notNull(),
    state: text("state").$type<WebhookDeliveryState>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** False after a retry by hand: that one attempt is all, whatever it answers. */
    autoRetry: integer("auto_retry", { mode: "boolean" }).notNull().default(true),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    claimedBy: text("claimed_by"),
    claimedAt: integer("claimed_at"),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [index("webhook_deliveries_endpoint").on(t.endpointId, t.createdAt, t.id), index("webhook_deliveries_contact").on(t.contactKey)],
);

/** Every attempt of a delivery: what the endpoint answered (or that nobody knows), and how long it took. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    deliveryId: text("delivery_id").notNull(),
    n: integer("n").notNull(),
    endpointId: text("endpoint_id").notNull(),
    at: integer("at").notNull(),
    /** delivered, retry (a later attempt follows), failed (none follows) or unknown (the answer was lost). */
    outcome: text("outcome").notNull(),
    status: integer("status"),
    latencyMs: integer("latency_ms"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.n] }), index("webhook_attempts_endpoint").on(t.endpointId)],
);

/**
 * Dashboard sign-in attempts per client network (IPv4 /24, IPv6 /48) in the current window, shared by every isolate.
 * A row lives one window (src/dashboard/sign-in-limit.ts): each attempt deletes the expired ones.
 */
export const signInAttempts = sqliteTable(
  "sign_in_attempts",
  {
    network: text("network").primaryKey(),
    /** Milliseconds since the epoch: the first attempt of the window. */
    windowStart: integer("window_start").notNull(),
    /** Attempts of the window whose token was not (yet) found right: a correct one gives its attempt back. */
    attempts: integer("attempts").notNull(),
  },
  (t) => [index("sign_in_attempts_window").on(t.windowStart)],
);

/**
 * Where the Parquet archive (src/archive/) stands in each event source: rows up to `after` are in R2. `seq` numbers
 * the source's files (it names them, and never goes back); `planTo`/`planCutoff`, while set, are the range the next
 * file holds, fixed before its put so that a run after a crash rewrites the same objects with the same rows.
 */
export const archiveCursor = sqliteTable("archive_cursor", {
  source: text("source").primaryKey(),
  after: integer("after").notNull().default(0),
  seq: integer("seq").notNull().default(0),
  planTo: integer("plan_to"),
  /** Only rows stored (received_at) before this instant are in the planned range. */
  planCutoff: integer("plan_cutoff"),
});

/**
 * The archive's stand-in for a person: a random pseudonym (the `contact` column) and a random secret (the archived
 * `event_id` is an HMAC of the event id under it), keyed by the keyed hash of the identity key (as tombstones are).
 * Erasure deletes the row: nothing kept afterwards can recompute either from the address.
 */
export const archivePseudonyms = sqliteTable("archive_pseudonyms", {
  contactHash: text("contact_hash").primaryKey(),
  pseudonym: text("pseudonym").notNull(),
  secret: text("secret").notNull(),
});

/**
 * The mailbox provider of each recipient domain that the table in src/domain/mailbox-providers.ts does not name,
 * decided once from its MX records and reused by every later event and rebuild. `source`: "mx" (matched or not),
 * "no-mx" (NXDOMAIN or no MX record). A lookup that failed is not stored: it is tried again by a later batch.
 */
export const mailDomains = sqliteTable("mail_domains", {
  domain: text("domain").primaryKey(),
  provider: text("provider").notNull(),
  source: text("source").notNull(),
  /** Milliseconds since the epoch. */
  decidedAt: integer("decided_at").notNull(),
});
