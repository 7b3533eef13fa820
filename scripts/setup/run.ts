// setup, steps 1 to 5 in order over an injected wrangler runner, stopping at the first that fails; then what is next.

import { appendFileSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { Report } from "../connect-ses/report";
import { TomlEditError } from "../connect-ses/toml-vars";
import { checkCustomDomain, checkTrackingOrigin } from "../preflight/checks";
import { ensureBuckets } from "./buckets";
import { SetupError, type SetupConfig, type SetupContext } from "./context";
import { ensureDatabases } from "./database";
import { checkLogin } from "./login";
import { ensureQueues } from "./queues";
import { ensureSecrets } from "./secrets";
import type { RunWrangler } from "./wrangler";

export interface SetupOptions {
  configPath: string;
  run: RunWrangler;
  dryRun: boolean;
  out: (line: string) => void;
  /** Where generated secret values go (appended, mode 600) instead of the output. */
  secretsFile?: string;
}

const STEPS: Array<[string, (ctx: SetupContext) => Promise<void>]> = [
  ["Cloudflare login", checkLogin],
  ["D1 database", ensureDatabases],
  ["Queues", ensureQueues],
  ["R2 buckets", ensureBuckets],
  ["Secrets", ensureSecrets],
];

function secretKeeper(options: SetupOptions, report: Report): (name: string, value: string) => void {
  let first = true;
  return (name, value) => {
    if (first) {
      report.info(
        options.secretsFile
          ? `generated values are appended to ${options.secretsFile} (Cloudflare never shows a secret again: keep that file safe)`
          : "generated values, shown only here (Cloudflare never shows a secret again): keep them in a password manager",
      );
      first = false;
    }
    if (options.secretsFile) appendFileSync(options.secretsFile, `${name}=${value}\n`, { mode: 0o600 });
    else report.info(`  keep: ${name}=${value}`);
  };
}

function nextSteps(config: SetupConfig, out: (line: string) => void): void {
  const domain = checkCustomDomain(config);
  const origin = checkTrackingOrigin(config);
  const host = domain.status === "pass" ? domain.details[0] : "track.example.com";
  out("Next:");
  if (domain.status !== "pass" || origin.status !== "pass") {
    out(`  first, in wrangler.toml: routes = [{ pattern = "${host}", custom_domain = true }] and TRACKING_ORIGIN = "https://${host}"`);
  }
  out("  npm run deploy     # preflight, remote D1 migrations, wrangler deploy");
  out(`  npm run connect-ses -- --url https://${host} --write     # SES → SNS → the worker (see docs/DEPLOY.md, Connect SES)`);
  out("  To send through the worker (optional): npx wrangler secret put AWS_ACCESS_KEY_ID, then AWS_SECRET_ACCESS_KEY");
}

/** True when every step reached its goal. */
export async function setup(options: SetupOptions): Promise<boolean> {
  const config = unstable_readConfig({ config: options.configPath }) as unknown as SetupConfig;
  const report = new Report(options.out, options.dryRun);
  options.out(
    `setup: ${config.name ?? "worker"} (${options.configPath})` +
      (options.dryRun ? " (dry run: only reads are run; every command that would change something is printed)" : ""),
  );
  const ctx: SetupContext = {
    config,
    configPath: options.configPath,
    run: options.run,
    report,
    dryRun: options.dryRun,
    keepSecret: secretKeeper(options, report),
  };

  for (const [index, [title, step]] of STEPS.entries()) {
    report.step(index + 1, title);
    try {
      await step(ctx);
    } catch (err) {
      if (!(err instanceof SetupError) && !(err instanceof TomlEditError)) throw err;
      report.fail(err.message, ...(err instanceof SetupError ? err.fix : []));
      break;
    }
  }
  report.summary();
  if (report.failures.length > 0) {
    options.out("Run npm run setup again once it is fixed: it creates only what is missing, and never replaces a secret.");
  } else if (!options.dryRun) {
    nextSteps(config, options.out);
  }
  return report.failures.length === 0;
}
