// Step 5, first half: the values the worker needs, printed, compared with wrangler.toml's [vars], written with --write.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseTopicAllowList } from "../../src/config/sns-topics";
import type { Report } from "./report";
import { readVars, setVars, tomlString } from "./toml-vars";

export interface WorkerValuesInput {
  topicArn: string;
  configurationSet: string;
  region: string;
  /** SNS_TOPIC_ARNS as wrangler.toml has it: topics already allowed stay allowed. */
  currentTopicArns?: string;
}

/** Comments for keys that wrangler.toml does not have yet. */
const COMMENTS: Record<string, string> = {
  SNS_SIGNATURE_VERSION: "SignatureVersion the SNS topic signs with (connect-ses sets 2: SHA256withRSA).",
  SNS_TOPIC_ARNS: "SNS topics allowed to POST /sns, comma-separated ARNs.",
  SES_CONFIGURATION_SET: "SES configuration set named on every send.",
  SES_REGION: "SES v2 API region.",
};

export function workerValues(input: WorkerValuesInput): Record<string, string> {
  const arns = [...parseTopicAllowList(input.currentTopicArns)];
  if (!arns.includes(input.topicArn)) arns.push(input.topicArn);
  return {
    SNS_TOPIC_ARNS: arns.join(","),
    SES_CONFIGURATION_SET: input.configurationSet,
    SES_REGION: input.region,
    SNS_SIGNATURE_VERSION: "2",
  };
}

export interface ApplyOptions {
  tomlPath: string;
  write: boolean;
  dryRun: boolean;
}

/**
 * What became of wrangler.toml: `updated` (written, or in a dry run would be) means the deployed worker is behind it;
 * `differs` is left for the user (no --write); `unknown` has no file here, or could not be written safely.
 */
export type VarsState = "as-wanted" | "updated" | "differs" | "unknown";

export function applyWorkerValues(report: Report, input: Omit<WorkerValuesInput, "currentTopicArns">, options: ApplyOptions): VarsState {
  const text = existsSync(options.tomlPath) ? readFileSync(options.tomlPath, "utf8") : undefined;
  const current = text === undefined ? {} : readVars(text);
  const values = workerValues({ ...input, currentTopicArns: current.SNS_TOPIC_ARNS });
  report.info("[vars] for wrangler.toml (plain variables, not secrets):");
  for (const [key, value] of Object.entries(values)) report.info(`  ${key} = ${tomlString(value)}`);

  if (text === undefined) {
    report.todo(`put these values in the [vars] of your wrangler configuration (no ${options.tomlPath} here), then npm run deploy`);
    return "unknown";
  }
  const differing = Object.keys(values).filter((key) => current[key] !== values[key]);
  const where = `${options.tomlPath} [vars]`;
  if (differing.length === 0) {
    report.outcome("already as wanted", where);
    return "as-wanted";
  }
  if (!options.write) {
    report.todo(`${where} differs in ${differing.join(", ")}: run again with --write (it writes them and deploys), or edit it and npm run deploy`);
    return "differs";
  }
  if (options.dryRun) {
    report.outcome("would update", `${where}: ${differing.join(", ")}`);
    return "updated";
  }
  const updated = setVars(text, values, COMMENTS);
  const check = readVars(updated);
  const wrong = Object.keys(values).filter((key) => check[key] !== values[key]);
  if (wrong.length > 0) {
    report.fail(`could not write ${wrong.join(", ")} into ${where} safely: set them by hand, then npm run deploy`);
    return "unknown";
  }
  writeFileSync(options.tomlPath, updated);
  report.outcome("updated", `${where}: ${differing.join(", ")}`);
  return "updated";
}
