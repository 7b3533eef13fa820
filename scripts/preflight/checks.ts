// Preflight checks: plain functions over the parsed wrangler configuration and the outputs of wrangler commands.

import { parseConfig } from "../../src/config/config";
import { SECRET_GENERATORS } from "../dev-vars-text";
import { ConfigError } from "../../src/lib/errors";
import { KeyConfigError, parseKeySpec } from "../../src/config/tracking-keys";
import { isTopicArn, parseTopicAllowList } from "../../src/config/sns-topics";

/** The parts of wrangler's parsed configuration (unstable_readConfig) that preflight looks at. */
export interface ConfigView {
  name?: string;
  d1_databases: Array<{ binding: string; database_name?: string; database_id?: string }>;
  queues: { producers?: Array<{ queue: string }>; consumers?: Array<{ queue: string; dead_letter_queue?: string }> };
  vars: Record<string, unknown>;
  routes?: Array<string | { pattern: string; custom_domain?: boolean; zone_name?: string; zone_id?: string }>;
  route?: string | { pattern: string; custom_domain?: boolean };
  secrets?: { required?: string[] };
}

/** What a wrangler command printed, or why it failed. */
export type CommandResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PreflightInput {
  config: ConfigView;
  /** Queue names on the account (`wrangler queues list`). */
  queues: CommandResult<string[]>;
  /** Secret names set on the deployed worker (`wrangler secret list`). */
  secrets: CommandResult<string[]>;
  /** TRACKING_KEYS as the user gave it to this run, if at all: Cloudflare never hands a secret's value back. */
  trackingKeys?: string;
}

export interface CheckResult {
  title: string;
  /** `note`: nothing wrong, but worth knowing (a feature that is off). */
  status: "pass" | "fail" | "skip" | "note";
  /** What was found, and for a failure what to do (commands to run). */
  details: string[];
}

export const PLACEHOLDER_DATABASE_ID = "00000000-0000-4000-8000-000000000000";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Retention of dead-letter queues, 14 days: longer than the 48 h their consumers keep retrying (docs/OPERATIONS.md). */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;
const DLQ_RETENTION = `--message-retention-period-secs ${DEAD_LETTER_RETENTION_SECONDS}`;
/** How to make a value for a secret that has no obvious source. */
const SECRET_HINTS: Record<string, string> = {
  API_TOKEN: "e.g. openssl rand -base64 24",
  TRACKING_KEYS: 'e.g. echo "1:$(openssl rand 32 | basenc --base64url | tr -d =)"',
  ERASURE_KEY: "e.g. openssl rand 32 | basenc --base64url | tr -d = (never rotate it: erased suppressions are matched with it)",
  AWS_ACCESS_KEY_ID: "an IAM user allowed docs/iam-policy-worker.json",
  AWS_SECRET_ACCESS_KEY: "that IAM user's secret key",
};

const str = (value: unknown) => (typeof value === "string" ? value : "");

const putCommands = (names: string[]) => names.map((n) => `npx wrangler secret put ${n}${SECRET_HINTS[n] ? `   # ${SECRET_HINTS[n]}` : ""}`);

/** The AWS keys: optional (a tracking-only worker), but needed to send and to mirror suppressions to SES. */
const AWS_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

export function checkDatabase(config: ConfigView): CheckResult {
  const title = "D1 database";
  const db = config.d1_databases[0];
  if (!db) return { title, status: "fail", details: ["wrangler.toml has no [[d1_databases]]"] };
  const id = db.database_id ?? "";
  if (id === PLACEHOLDER_DATABASE_ID || !UUID.test(id)) {
    return {
      title,
      status: "fail",
      details: [
        `database_id is ${id ? `the placeholder ${id}` : "missing"}: create the database and put its id in wrangler.toml:`,
        "npm run setup   # does both (or by hand: the command below, then its database_id into wrangler.toml)",
        `npx wrangler d1 create ${db.database_name ?? "mail-tracker"}`,
      ],
    };
  }
  return { title, status: "pass", details: [`${db.database_name ?? db.binding}: ${id}`] };
}

/** Every queue the configuration names, dead-letter queues marked. */
export function configuredQueues(config: ConfigView): Array<{ name: string; deadLetter: boolean }> {
  const deadLetters = new Set((config.queues.consumers ?? []).flatMap((c) => (c.dead_letter_queue ? [c.dead_letter_queue] : [])));
  const names = new Set([
    ...(config.queues.producers ?? []).map((p) => p.queue),
    ...(config.queues.consumers ?? []).map((c) => c.queue),
    ...deadLetters,
  ]);
  return [...names].map((name) => ({ name, deadLetter: deadLetters.has(name) }));
}

export function createQueueCommand(queue: { name: string; deadLetter: boolean }): string {
  return `npx wrangler queues create ${queue.name}${queue.deadLetter ? ` ${DLQ_RETENTION}` : ""}`;
}

export function checkQueues(config: ConfigView, existing: CommandResult<string[]>): CheckResult {
  const title = "Queues";
  const wanted = configuredQueues(config);
  if (!existing.ok) {
    return {
      title,
      status: "fail",
      details: [
        `could not list the account's queues: ${existing.error}`,
        "log in (npx wrangler login, or set CLOUDFLARE_API_TOKEN) and run again; the queues wrangler.toml names are created with:",
        ...wanted.map(createQueueCommand),
      ],
    };
  }
  const missing = wanted.filter((q) => !existing.value.includes(q.name));
  if (missing.length === 0) return { title, status: "pass", details: [wanted.map((q) => q.name).join(", ")] };
  return {
    title,
    status: "fail",
    details: [
      `missing on the account: ${missing.map((q) => q.name).join(", ")}; create them:`,
      "npm run setup   # creates them all; or one by one:",
      ...missing.map(createQueueCommand),
    ],
  };
}

export function checkSecrets(config: ConfigView, set: CommandResult<string[]>): CheckResult {
  const title = "Secrets";
  const required = config.secrets?.required ?? [];
  if (!set.ok) {
    if (/not found/i.test(set.error) && /worker/i.test(set.error)) {
      return {
        title,
        status: "fail",
        details: [
          `the worker ${config.name ?? ""} is not on the account yet, so it has no secrets.`,
          "Putting the first secret creates it; put them all (npm run setup generates and puts them):",
          ...putCommands(required),
        ],
      };
    }
    return {
      title,
      status: "fail",
      details: [`could not list the worker's secrets: ${set.error}`, "log in (npx wrangler login, or set CLOUDFLARE_API_TOKEN) and run again"],
    };
  }
  const missing = required.filter((name) => !set.value.includes(name));
  if (missing.length === 0) return { title, status: "pass", details: [`all ${required.length} required secrets are set: ${required.join(", ")}`] };
  const generated = missing.filter((name) => name in SECRET_GENERATORS);
  return {
    title,
    status: "fail",
    details: [
      `not set: ${missing.join(", ")}`,
      ...(generated.length > 0 ? [`npm run setup   # generates and puts ${generated.join(", ")}; or by hand:`] : []),
      ...putCommands(missing),
    ],
  };
}

/** Whether the worker can send: both AWS keys set, or neither (a tracking-only worker); one alone closes every route. */
export function checkSending(config: ConfigView, set: CommandResult<string[]>): CheckResult {
  const title = "Sending";
  if (!set.ok) return { title, status: "skip", details: ["the worker's secrets could not be listed (see Secrets)"] };
  const present = AWS_KEYS.filter((name) => set.value.includes(name));
  if (present.length === AWS_KEYS.length) return { title, status: "pass", details: ["enabled: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set"] };
  if (present.length === 1) {
    const missing = AWS_KEYS.filter((name) => !present.includes(name));
    return {
      title,
      status: "fail",
      details: [
        `${present[0]} is set but ${missing[0]} is not: the worker would answer 503 misconfigured on every route. Set both:`,
        ...putCommands(missing),
      ],
    };
  }
  const mirror = str(config.vars.SES_SYNC_SUPPRESSIONS).trim().toLowerCase() === "true";
  return {
    title,
    status: "note",
    details: [
      "sending disabled: no AWS keys, so the worker tracks only (its send routes answer 503 sending_not_configured)",
      ...(mirror ? ["SES_SYNC_SUPPRESSIONS is true: suppressions wait, unmirrored, until the keys are set"] : []),
      "To send through it:",
      ...putCommands(AWS_KEYS),
    ],
  };
}

/** Every [vars] value, through the worker's own parser (src/config/config.ts): what it would refuse with 503 misconfigured. */
export function checkVariables(config: ConfigView): CheckResult {
  const title = "[vars]";
  try {
    parseConfig(config.vars);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      title,
      status: "fail",
      details: [...err.message.split("; "), "fix them in wrangler.toml [vars]: the worker would answer 503 misconfigured"],
    };
  }
  return { title, status: "pass", details: ["every value parses as the worker reads it"] };
}

/** TRACKING_ORIGIN set to an https origin, and served by this worker's custom domain. */
export function checkTrackingOrigin(config: ConfigView): CheckResult {
  const title = "TRACKING_ORIGIN";
  const value = str(config.vars.TRACKING_ORIGIN);
  const fix = 'set it in wrangler.toml [vars], e.g. TRACKING_ORIGIN = "https://track.example.com" (the custom domain below)';
  if (!value) return { title, status: "fail", details: ["is empty: tracking links would take the origin of whoever calls the API", fix] };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { title, status: "fail", details: [`${value} is not a URL`, fix] };
  }
  if (url.protocol !== "https:" || url.origin !== value.replace(/\/$/, "")) {
    return { title, status: "fail", details: [`${value} must be an https origin with no path`, fix] };
  }
  const domains = customDomains(config);
  if (domains.length > 0 && !domains.includes(url.hostname)) {
    return {
      title,
      status: "fail",
      details: [`${url.hostname} is not among this worker's custom domains (${domains.join(", ")}): links would point elsewhere`],
    };
  }
  return { title, status: "pass", details: [value] };
}

export function checkTopicArns(config: ConfigView): CheckResult {
  const title = "SNS_TOPIC_ARNS";
  const arns = [...parseTopicAllowList(str(config.vars.SNS_TOPIC_ARNS))];
  // Not a failure: the first deploy comes before connect-ses, which needs the deployed worker to subscribe it.
  if (arns.length === 0) {
    return {
      title,
      status: "note",
      details: [
        "is empty: /sns refuses every SNS message, so no SES event arrives yet (tracking works)",
        "after this deploy: npm run connect-ses -- --url https://<your tracking domain> --write   # creates the topic, sets it, deploys",
      ],
    };
  }
  const bad = arns.filter((arn) => !isTopicArn(arn));
  if (bad.length > 0) return { title, status: "fail", details: [`not SNS topic ARNs: ${bad.join(", ")}`] };
  return { title, status: "pass", details: arns };
}

export function checkTrackingKeys(value: string | undefined): CheckResult {
  const title = "TRACKING_KEYS";
  if (value === undefined) {
    return {
      title,
      status: "skip",
      details: [
        "a secret's value cannot be read back from Cloudflare, so its format is not checked here (only that it is set).",
        "To check the value you put (kept out of the shell history): read -rs TRACKING_KEYS && export TRACKING_KEYS && npm run preflight",
      ],
    };
  }
  try {
    const keys = parseKeySpec(value);
    return { title, status: "pass", details: [`${keys.length} key(s); new links are signed with key ${keys[0]!.id}`] };
  } catch (err) {
    if (!(err instanceof KeyConfigError)) throw err;
    return { title, status: "fail", details: [err.message, "put a valid value: npx wrangler secret put TRACKING_KEYS"] };
  }
}

function customDomains(config: ConfigView): string[] {
  const routes = [...(config.routes ?? []), ...(config.route ? [config.route] : [])];
  return routes.flatMap((r) => (typeof r === "object" && r.custom_domain ? [r.pattern] : []));
}

export function checkCustomDomain(config: ConfigView): CheckResult {
  const title = "Custom domain";
  const domains = customDomains(config);
  if (domains.length === 0) {
    return {
      title,
      status: "fail",
      details: [
        "no route with custom_domain = true in wrangler.toml: uncomment and edit",
        'routes = [{ pattern = "track.example.com", custom_domain = true }]',
        "The domain's zone must be active on Cloudflare in the same account (Dashboard → Add a site).",
      ],
    };
  }
  return { title, status: "pass", details: domains };
}

/** SES_ENDPOINT is for the local emulator; deployed, it must be empty (AWS's endpoint). */
export function checkSesEndpoint(config: ConfigView): CheckResult {
  const title = "SES_ENDPOINT";
  const value = str(config.vars.SES_ENDPOINT);
  if (value === "") return { title, status: "pass", details: ["empty: the worker calls AWS's regional SES endpoint"] };
  if (/^https:\/\/email\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/?$/.test(value)) return { title, status: "pass", details: [value] };
  return { title, status: "fail", details: [`${value} is not AWS: leave SES_ENDPOINT empty in wrangler.toml (.dev.vars sets it locally)`] };
}

export function runChecks(input: PreflightInput): CheckResult[] {
  return [
    checkDatabase(input.config),
    checkQueues(input.config, input.queues),
    checkSecrets(input.config, input.secrets),
    checkSending(input.config, input.secrets),
    checkVariables(input.config),
    checkTrackingOrigin(input.config),
    checkTopicArns(input.config),
    checkTrackingKeys(input.trackingKeys),
    checkCustomDomain(input.config),
    checkSesEndpoint(input.config),
  ];
}
