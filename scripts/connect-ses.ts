// `npm run connect-ses -- --url https://track.example.com [--region us-east-1] [--dry-run] [--write]`: SES → SNS → worker.
import { awsSettingsFromEnv, AwsSettingsError } from "./aws/client";
import { connectSes } from "./connect-ses/run";
import { DEFAULT_WAIT } from "./connect-ses/subscription";
import { wranglerRunner } from "./setup/wrangler";
import { commandLine, usageError as fail } from "./command-line";

const USAGE = `usage: npm run connect-ses -- --url https://track.example.com [options]

  --url <origin>               the deployed worker's origin; SNS delivers to <origin>/sns
  --region <region>            AWS region of SES and SNS (default: AWS_REGION)
  --dry-run                    make only read calls; print every call that would change something
  --write                      write the worker's values into wrangler.toml's [vars] and, when the deployed worker
                               is behind them, deploy it (as npm run deploy does) before subscribing it
  --topic <name>               SNS topic name (default mail-tracker-ses)
  --configuration-set <name>   SES configuration set name (default mail-tracker)
  --config <path>              wrangler configuration to compare and --write (default wrangler.toml)
  --wait <seconds>             how long to wait for a deployed worker to take the topic, and then for it to
                               confirm the subscription (default 60 each)

Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; the actions needed are in docs/iam-policy.json.
A deploy runs as you (npx wrangler login, or CLOUDFLARE_API_TOKEN); its preflight checks TRACKING_KEYS when it is set.`;

function usageError(message: string): never {
  return fail(USAGE, message);
}

const values = commandLine(USAGE, {
  url: { type: "string" },
  region: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  write: { type: "boolean", default: false },
  topic: { type: "string", default: "mail-tracker-ses" },
  "configuration-set": { type: "string", default: "mail-tracker" },
  config: { type: "string", default: "wrangler.toml" },
  wait: { type: "string", default: String(DEFAULT_WAIT.timeoutMs / 1000) },
});

if (!values.url) usageError("--url is required");
let url: URL;
try {
  url = new URL(values.url);
} catch {
  usageError(`--url ${values.url} is not a URL`);
}
if ((url.protocol !== "https:" && url.protocol !== "http:") || url.pathname !== "/" || url.search || url.hash) {
  usageError(`--url must be the worker's origin only, e.g. https://track.example.com (got ${values.url})`);
}
if (!/^[A-Za-z0-9_-]{1,256}$/.test(values.topic)) usageError("--topic: letters, digits, - and _ only (at most 256)");
if (!/^[A-Za-z0-9_-]{1,64}$/.test(values["configuration-set"])) usageError("--configuration-set: letters, digits, - and _ only (at most 64)");
const waitSeconds = Number(values.wait);
if (!Number.isFinite(waitSeconds) || waitSeconds < 0) usageError("--wait takes a number of seconds");

// biome-ignore lint/suspicious/noImplicitAnyLet: TypeScript types it from the assignment below
let settings;
try {
  settings = awsSettingsFromEnv(process.env, values.region);
} catch (err) {
  if (err instanceof AwsSettingsError) usageError(err.message);
  throw err;
}
if (url.protocol === "http:") console.log("note: an http:// URL is for local testing; SNS must reach a deployed worker over https.");

const ok = await connectSes({
  origin: url.origin,
  settings,
  dryRun: values["dry-run"],
  write: values.write,
  topicName: values.topic,
  configurationSet: values["configuration-set"],
  tomlPath: values.config,
  run: wranglerRunner(),
  trackingKeys: process.env.TRACKING_KEYS || undefined,
  out: (line) => console.log(line),
  wait: { ...DEFAULT_WAIT, timeoutMs: waitSeconds * 1000 },
});
process.exit(ok ? 0 : 1);
