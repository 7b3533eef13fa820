// What `npm run deploy` does (preflight, remote D1 migrations, wrangler deploy), over an injected wrangler runner.

import type { ConfigView } from "../preflight/checks";
import { wranglerError } from "../preflight/wrangler";
import { type RunWrangler, shown } from "../setup/wrangler";

/** A deploy that did not happen: the step that stopped it, and wrangler's reason (or preflight's checks). */
export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployError";
  }
}

export interface DeployOptions {
  configPath: string;
  run: RunWrangler;
  /** TRACKING_KEYS from the environment, checked by preflight as `npm run preflight` checks it. */
  trackingKeys?: string;
  /** Each line of what is run and what preflight finds. */
  out: (line: string) => void;
}

/** The D1 database the worker binds as DB: what `npm run deploy` migrates (package.json names it, mail-tracker). */
async function databaseName(configPath: string): Promise<string> {
  // Loaded only when deploying: wrangler's configuration reader is heavy, and most runs deploy nothing.
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath }) as unknown as ConfigView;
  const db = config.d1_databases.find((d) => d.binding === "DB") ?? config.d1_databases[0];
  if (!db?.database_name) throw new DeployError(`${configPath} binds no D1 database (d1_databases with binding DB)`);
  return db.database_name;
}

async function runStep(options: DeployOptions, args: string[]): Promise<void> {
  const full = [...args, "-c", options.configPath];
  options.out(`running: ${shown(full)}`);
  const output = await options.run(full);
  if (output.code !== 0) throw new DeployError(`${shown(full)} failed: ${wranglerError(output)}`);
}

/** Resolves once the worker is deployed; throws DeployError at the first step that fails, before the next one. */
export async function deployWorker(options: DeployOptions): Promise<void> {
  const { preflight } = await import("../preflight/run");
  options.out(`running: npm run preflight -- --config ${options.configPath}`);
  const passed = await preflight({
    configPath: options.configPath,
    run: options.run,
    trackingKeys: options.trackingKeys,
    out: (line) => {
      if (line.trim()) options.out(`  ${line}`);
    },
  });
  if (!passed) throw new DeployError("preflight failed (the FAIL lines above)");
  await runStep(options, ["d1", "migrations", "apply", await databaseName(options.configPath), "--remote"]);
  await runStep(options, ["deploy"]);
}
