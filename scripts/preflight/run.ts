// preflight: reads wrangler.toml as wrangler does, asks the account for queues and secrets, runs the checks, prints.

import { unstable_readConfig } from "wrangler";
import { runChecks, type CheckResult, type ConfigView } from "./checks";
import { listQueues, listSecrets, type RunWrangler } from "./wrangler";

export interface PreflightOptions {
  configPath: string;
  run: RunWrangler;
  /** TRACKING_KEYS when the user passed it in the environment, to check its format. */
  trackingKeys?: string;
  out: (line: string) => void;
}

const MARK: Record<CheckResult["status"], string> = { pass: "ok  ", fail: "FAIL", skip: "skip", note: "note" };

/** True when nothing failed (a skipped check or a note does not stop a deploy). */
export async function preflight(options: PreflightOptions): Promise<boolean> {
  const config = unstable_readConfig({ config: options.configPath }) as unknown as ConfigView;
  options.out(`preflight: ${config.name ?? "worker"} (${options.configPath})`);
  // One after the other: each wrangler start is heavy, and the machine may be small.
  const queues = await listQueues(options.run, options.configPath);
  const secrets = await listSecrets(options.run, options.configPath);
  const results = runChecks({ config, queues, secrets, trackingKeys: options.trackingKeys });

  for (const result of results) {
    const [first = "", ...rest] = result.details;
    options.out(`  ${MARK[result.status]}  ${result.title}: ${first}`);
    for (const line of rest) options.out(`          ${line}`);
  }
  const failed = results.filter((r) => r.status === "fail");
  options.out("");
  options.out(
    failed.length === 0
      ? "Preflight passed: ready to deploy (npm run deploy)."
      : `Preflight failed: ${failed.map((r) => r.title).join(", ")}. Fix what is listed above, then run it again.`,
  );
  return failed.length === 0;
}
