// Every variable and secret, read and validated once per env (valibot) and handed out in typed slices.
//
// The rest of the code asks `config(env).<slice>` and never reads a variable itself. A malformed value is a
// ConfigError naming the variable (503 `misconfigured` for every route but the pixel; queue batches wait), at the
// first request, not deep inside one. A secret that is simply not set disables only what needs it: the code that
// needs it throws a ConfigError naming it (tracking/keys.ts, routes/auth.ts). The AWS keys are optional (a
// tracking-only deployment): without them ses/client.ts throws SendingNotConfigured, 503 `sending_not_configured`.

import * as v from "valibot";
import { Email } from "../domain/schemas";
import { ConfigError } from "../lib/errors";
import { log } from "../lib/log";
import { LogOnce } from "../lib/log-once";
import { isTopicArn, parseTopicAllowList } from "./sns-topics";
import type { Thresholds } from "../domain/guard-rules";
import { decodeBase64Url } from "../lib/base64url";
import { parseKeySpec } from "./tracking-keys";

/** The SNS SignatureVersions (SNS_SIGNATURE_VERSION picks which are accepted; src/sns/verify.ts). */
export type SignatureVersion = "1" | "2";

export const DEFAULT_CERTIFICATE_FETCHES_PER_MINUTE = 10;

export interface TrackingConfig {
  /** TRACKING_ORIGIN: scheme://host[:port] of minted links; null: the origin of the request that mints them. */
  origin: string | null;
  /** UNSUBSCRIBE_MAILTO: the address of the mailto: List-Unsubscribe target; null: none. */
  unsubscribeMailto: string | null;
  /** TRACKING_KEYS, checked (see tracking/keys.ts); null when not set. */
  keys: string | null;
}

export interface ApiConfig {
  /** API_TOKEN; null when not set (the API answers 503 naming it). */
  token: string | null;
}

export interface SnsConfig {
  /** SNS_TOPIC_ARNS: the topics that may post to /sns. Empty: none (the door is closed). */
  topicArns: ReadonlySet<string>;
  /** SNS_SIGNATURE_VERSION: "2" accepts only SignatureVersion 2; empty or "1" both; any other value counts as "2". */
  signatureVersions: ReadonlySet<SignatureVersion>;
  /** SNS_LOCAL_CERTIFICATE_URL: the one loopback certificate URL trusted besides SNS's own (`npm start`); null: none. */
  localCertificateUrl: string | null;
  /** SNS_CERTIFICATE_FETCHES_PER_MINUTE: signing certificates one isolate may download per minute (sns/fetch-budget.ts). */
  certificateFetchesPerMinute: number;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SesSettings {
  /** SES_REGION. */
  region: string;
  /** SES_ENDPOINT without a trailing slash, or https://email.<region>.amazonaws.com. */
  endpoint: string;
  /** SES_CONFIGURATION_SET; null: none named on sends. */
  configurationSet: string | null;
  /** AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; null when neither is set: nothing can call SES (sending is off). */
  credentials: AwsCredentials | null;
}

export interface SendingConfig {
  /** SEND_RATE_PER_SECOND: most SES calls per second from the send queue. */
  ratePerSecond: number;
}

export interface SuppressionConfig {
  /** SOFT_BOUNCE_LIMIT: soft bounces in a row (no delivery between) that suppress an address. */
  softBounceLimit: number;
  /** SOFT_BOUNCE_SUPPRESSION_DAYS, in milliseconds: how long a soft-bounce suppression lasts. */
  softBounceTtlMs: number;
  /** SES_SYNC_SUPPRESSIONS: mirror hard bounces and complaints to the SES account-level suppression list. */
  syncToSes: boolean;
}

export interface PrivacyConfig {
  /** STORE_FULL_IP = "true": keep whole client addresses; otherwise only their network (IPv4 /24, IPv6 /48). */
  storeFullIp: boolean;
  /** RETENTION_DAYS: events, dead letters, SNS ids, deliveries, send jobs and webhook deliveries stored longer ago are deleted. */
  retentionDays: number;
  /** ERASURE_KEY (checked: base64url of at least 32 bytes); null when not set (erasure answers 503 naming it). */
  erasureKey: string | null;
}

export interface MachineConfig {
  /** MACHINE_SETTLE_SECONDS, in milliseconds: how long a click waits for the clicks around it before its burst or
   * honeypot verdict is settled (Preside's and the patent's one-minute stall). */
  settleMs: number;
  /** NETWORK_LISTS_MIN_RELAY_ROWS: rows Apple's relay egress file must hold, at least, for a refresh to replace the
   * stored list (it has about 290,000; a shorter one is a truncated download). */
  minRelayRows: number;
}

export interface ArchiveConfig {
  /** ARCHIVE_RETENTION_DAYS (default: RETENTION_DAYS): archive files of older dates are deleted by the cron. */
  retentionDays: number;
  /** ARCHIVE_FILE_EVENTS: settled events the cron waits for before it writes a file (unless the oldest waited an hour). */
  fileEvents: number;
}

export interface WebhooksConfig {
  /** WEBHOOKS_ALLOW_LOCAL_HTTP: plain http to the loopback and no DNS check (local runs and tests only). */
  allowLocalHttp: boolean;
}

export interface Config {
  tracking: TrackingConfig;
  privacy: PrivacyConfig;
  api: ApiConfig;
  sns: SnsConfig;
  ses: SesSettings;
  sending: SendingConfig;
  suppression: SuppressionConfig;
  machine: MachineConfig;
  webhooks: WebhooksConfig;
  archive: ArchiveConfig;
  /** GUARD_MIN_SENT, GUARD_BOUNCE_RATE, GUARD_COMPLAINT_RATE: the reputation guard's thresholds. */
  guard: Thresholds;
}

const DAY_MS = 86_400_000;

/** Secrets are named in errors but their values never appear in an answer or a log line. */
const SECRETS: ReadonlySet<string> = new Set(["API_TOKEN", "TRACKING_KEYS", "ERASURE_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);

/** A value as Workers hands it over: a string, or a number or boolean when wrangler.toml wrote it unquoted. */
const Raw = v.union([v.string(), v.number(), v.boolean()], "must be text");

/** Unset or blank means "use the default"; anything else must pass `schema`, or the variable is misconfigured. */
function setting<T>(schema: v.GenericSchema<string, T>, fallback: T) {
  return v.optional(
    v.pipe(
      Raw,
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const text = String(dataset.value).trim();
        if (text === "") return fallback;
        const result = v.safeParse(schema, text);
        if (result.success) return result.output;
        addIssue({ message: result.issues[0].message });
        return NEVER;
      }),
    ),
    "",
  );
}

const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,9}$/, `must be a whole number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `must be a whole number from ${min} to ${max}`),
    v.maxValue(max, `must be a whole number from ${min} to ${max}`),
  );

function isHttpUrl(text: string, originOnly: boolean): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  const plain = (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.search && !url.hash;
  return plain && (!originOnly || url.pathname === "/");
}

const Origin = v.pipe(
  v.string(),
  v.check((s) => isHttpUrl(s, true), "must be an http(s) origin such as https://track.example.com, with no path"),
  v.transform((s) => new URL(s).origin),
);

const Endpoint = v.pipe(
  v.string(),
  v.check((s) => isHttpUrl(s, false), "must be an http(s) URL such as http://127.0.0.1:8005"),
  v.transform((s) => s.replace(/\/+$/, "")),
);

const Region = v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "must be an AWS region such as us-east-1"));

const ConfigurationSet = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an SES configuration set name: 1-64 letters, digits, '_' or '-'"),
);

const Rate = v.pipe(
  v.string(),
  v.regex(/^\d{1,6}(\.\d{1,6})?$/, "must be a number of messages per second above 0, such as 14 or 0.5"),
  v.transform(Number),
  v.minValue(Number.MIN_VALUE, "must be a number of messages per second above 0, such as 14 or 0.5"),
);

/** A fraction above 0 and at most 1, written as a decimal: 0.05 is 5 %. */
const Fraction = v.pipe(
  v.string(),
  v.regex(/^(0?\.\d{1,9}|1(\.0*)?)$/, "must be a fraction above 0 and at most 1, such as 0.05 (5 %)"),
  v.transform(Number),
  v.minValue(Number.MIN_VALUE, "must be a fraction above 0 and at most 1, such as 0.05 (5 %)"),
);

const Flag = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.picklist(["true", "false"], 'must be "true" or "false"'),
  v.transform((s) => s === "true"),
);

const TopicArns = v.pipe(
  v.string(),
  v.transform((s: string) => parseTopicAllowList(s)),
  v.check((arns) => [...arns].every(isTopicArn), "must list SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>), comma-separated"),
);

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Kept as written: verify.ts compares it with SigningCertURL as an exact string. Loopback only: never a remote host. */
const LocalCertificateUrl = v.pipe(
  v.string(),
  v.check(
    (s) => isHttpUrl(s, false) && LOOPBACK_HOSTS.has(new URL(s).hostname),
    "must be an http(s) URL on 127.0.0.1, [::1] or localhost, such as http://127.0.0.1:8005/SimpleNotificationService-local.pem",
  ),
);

const BOTH_VERSIONS: ReadonlySet<SignatureVersion> = new Set(["1", "2"]);
const ONLY_VERSION_2: ReadonlySet<SignatureVersion> = new Set(["2"]);

/** Documented as lenient: any value but "1" is read as "2", the stricter choice (blank: the default, both). */
const SignatureVersions = v.pipe(
  v.string(),
  v.transform((s) => (s === "1" ? BOTH_VERSIONS : ONLY_VERSION_2)),
);

/** What hono/bearer-auth accepts after "Bearer " (RFC 6750 token68): a token outside it could never be sent. */
const BearerToken = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~+/-]+=*$/, "must be letters, digits and - . _ ~ + / (then any = padding)"));

const KeySpec = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parseKeySpec(dataset.value);
    } catch (err) {
      // parseKeySpec's messages start with the variable's name; the issue is reported after it.
      addIssue({ message: String((err as Error).message).replace(/^TRACKING_KEYS\s*/, "") });
    }
  }),
);

const ErasureSecret = v.pipe(
  v.string(),
  v.check((s) => (decodeBase64Url(s)?.length ?? 0) >= 32, "must be base64url of at least 32 random bytes"),
);

/** Any text (blank is "not set", handled by setting()). */
const Text = v.string();

/** Every variable and secret, by the name it has in wrangler.toml and .dev.vars, with its default. */
const Variables = v.object({
  TRACKING_ORIGIN: setting(Origin, null),
  UNSUBSCRIBE_MAILTO: setting(Email, null),
  SOFT_BOUNCE_LIMIT: setting(wholeNumber(1, 1000), 5),
  SOFT_BOUNCE_SUPPRESSION_DAYS: setting(wholeNumber(1, 3650), 30),
  SES_REGION: setting(Region, "us-east-1"),
  SES_ENDPOINT: setting(Endpoint, null),
  SES_CONFIGURATION_SET: setting(ConfigurationSet, null),
  SEND_RATE_PER_SECOND: setting(Rate, 14),
  SES_SYNC_SUPPRESSIONS: setting(Flag, false),
  STORE_FULL_IP: setting(Flag, false),
  RETENTION_DAYS: setting(wholeNumber(1, 36_500), 395),
  MACHINE_SETTLE_SECONDS: setting(wholeNumber(1, 3600), 60),
  ARCHIVE_RETENTION_DAYS: setting(wholeNumber(1, 36_500), null),
  ARCHIVE_FILE_EVENTS: setting(wholeNumber(1, 100_000), 10_000),
  NETWORK_LISTS_MIN_RELAY_ROWS: setting(wholeNumber(1, 10_000_000), 100_000),
  SNS_TOPIC_ARNS: setting(TopicArns, new Set<string>() as ReadonlySet<string>),
  SNS_SIGNATURE_VERSION: setting(SignatureVersions, BOTH_VERSIONS),
  SNS_LOCAL_CERTIFICATE_URL: setting(LocalCertificateUrl, null),
  SNS_CERTIFICATE_FETCHES_PER_MINUTE: setting(wholeNumber(1, 10_000), DEFAULT_CERTIFICATE_FETCHES_PER_MINUTE),
  WEBHOOKS_ALLOW_LOCAL_HTTP: setting(Flag, false),
  GUARD_MIN_SENT: setting(wholeNumber(1, 1_000_000_000), 500),
  GUARD_BOUNCE_RATE: setting(Fraction, 0.05),
  GUARD_COMPLAINT_RATE: setting(Fraction, 0.001),
  API_TOKEN: setting(BearerToken, null),
  TRACKING_KEYS: setting(KeySpec, null),
  ERASURE_KEY: setting(ErasureSecret, null),
  AWS_ACCESS_KEY_ID: setting(Text, null),
  AWS_SECRET_ACCESS_KEY: setting(Text, null),
});

/** The names config() reads: every variable in wrangler.toml [vars] and every secret. */
export const CONFIG_VARIABLES = Object.keys(Variables.entries) as ReadonlyArray<keyof typeof Variables.entries>;

type Parsed = v.InferOutput<typeof Variables>;

function issueText(issue: v.BaseIssue<unknown>): { variable: string; text: string } {
  const variable = String(issue.path?.[0]?.key ?? "configuration");
  const got = SECRETS.has(variable) ? "" : ` (got ${JSON.stringify(String(issue.input))})`;
  return { variable, text: `${variable} ${issue.message}${got}` };
}

/** Both AWS keys or neither: one alone is a mistake, neither is a deployment that does not send. */
function credentials(p: Parsed): AwsCredentials | null {
  if (p.AWS_ACCESS_KEY_ID && p.AWS_SECRET_ACCESS_KEY) return { accessKeyId: p.AWS_ACCESS_KEY_ID, secretAccessKey: p.AWS_SECRET_ACCESS_KEY };
  if (!p.AWS_ACCESS_KEY_ID && !p.AWS_SECRET_ACCESS_KEY) return null;
  const [set, unset] = p.AWS_ACCESS_KEY_ID ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] : ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"];
  throw new ConfigError(unset, `${unset} is not set but ${set} is: set both (or neither, to not send)`);
}

function slices(p: Parsed): Config {
  return {
    tracking: { origin: p.TRACKING_ORIGIN, unsubscribeMailto: p.UNSUBSCRIBE_MAILTO, keys: p.TRACKING_KEYS },
    privacy: { storeFullIp: p.STORE_FULL_IP, retentionDays: p.RETENTION_DAYS, erasureKey: p.ERASURE_KEY },
    api: { token: p.API_TOKEN },
    sns: {
      topicArns: p.SNS_TOPIC_ARNS,
      signatureVersions: p.SNS_SIGNATURE_VERSION,
      localCertificateUrl: p.SNS_LOCAL_CERTIFICATE_URL,
      certificateFetchesPerMinute: p.SNS_CERTIFICATE_FETCHES_PER_MINUTE,
    },
    ses: {
      region: p.SES_REGION,
      endpoint: p.SES_ENDPOINT ?? `https://email.${p.SES_REGION}.amazonaws.com`,
      configurationSet: p.SES_CONFIGURATION_SET,
      credentials: credentials(p),
    },
    sending: { ratePerSecond: p.SEND_RATE_PER_SECOND },
    suppression: {
      softBounceLimit: p.SOFT_BOUNCE_LIMIT,
      softBounceTtlMs: p.SOFT_BOUNCE_SUPPRESSION_DAYS * DAY_MS,
      syncToSes: p.SES_SYNC_SUPPRESSIONS,
    },
    machine: { settleMs: p.MACHINE_SETTLE_SECONDS * 1000, minRelayRows: p.NETWORK_LISTS_MIN_RELAY_ROWS },
    webhooks: { allowLocalHttp: p.WEBHOOKS_ALLOW_LOCAL_HTTP },
    archive: { retentionDays: p.ARCHIVE_RETENTION_DAYS ?? p.RETENTION_DAYS, fileEvents: p.ARCHIVE_FILE_EVENTS },
    guard: { minSent: p.GUARD_MIN_SENT, bounceRate: p.GUARD_BOUNCE_RATE, complaintRate: p.GUARD_COMPLAINT_RATE },
  };
}

/** Parse without caching: every problem in one error, named after the first misconfigured variable. */
export function parseConfig(env: object): Config {
  const result = v.safeParse(Variables, env);
  if (!result.success) {
    const problems = result.issues.map(issueText);
    throw new ConfigError(problems[0]!.variable, problems.map((p) => p.text).join("; "));
  }
  return slices(result.output);
}

// Keyed by the env object: an isolate gets one env, and a test may call the worker with bindings of its own.
const parsed = new WeakMap<object, Config | ConfigError>();

const reported = new LogOnce();

/** Said once per isolate and problem, not per request: a misconfigured deployment must not flood its own logs. */
export function reportConfigError(err: ConfigError): void {
  if (!reported.first(err.message)) return;
  log.error("configuration invalid", { variable: err.variable, error: err.message });
}

/**
 * The configuration of this env, parsed on first use. A misconfigured one is logged (once) and throws the same
 * ConfigError every time.
 */
export function config(env: object): Config {
  let entry = parsed.get(env);
  if (entry === undefined) {
    try {
      entry = parseConfig(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      reportConfigError(err);
      entry = err;
    }
    parsed.set(env, entry);
  }
  if (entry instanceof ConfigError) throw entry;
  return entry;
}
