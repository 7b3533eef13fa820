// Step 5, second half: with --write, deploy when the deployed worker is behind wrangler.toml, then wait until it takes the topic.

import { DeployError, deployWorker } from "./deploy";
import type { Report } from "./report";
import type { RunWrangler } from "../setup/wrangler";
import type { ConfirmationWait } from "./subscription";
import { probeWorker, waitForTopic } from "./worker-probe";
import type { VarsState } from "./worker-vars";

export interface RolloutContext {
  report: Report;
  origin: string;
  topicArn: string;
  /** False in a dry run whose topic does not exist yet. */
  topicExists: boolean;
  write: boolean;
  dryRun: boolean;
  tomlPath: string;
  run: RunWrangler;
  trackingKeys?: string;
  fetcher: typeof fetch;
  wait: ConfirmationWait;
}

/** `go`: subscribe next; `planned`: a dry run that would deploy first; `stopped`: no subscription can work yet. */
export type Rollout = "go" | "planned" | "stopped";

const DEPLOY = "npm run deploy: preflight, remote D1 migrations, wrangler deploy";
const seconds = (ms: number) => Math.round(ms / 1000);

/** Why the deployed worker needs a deploy, or undefined when it does not (or this run is not to deploy). */
async function deployReason(ctx: RolloutContext, vars: VarsState): Promise<string | undefined> {
  if (!ctx.write || vars === "differs" || vars === "unknown") return undefined;
  if (vars === "updated") return "wrangler.toml's [vars] changed";
  if (!ctx.topicExists) return undefined;
  // The file is as wanted: a deploy since it was written may still be missing (one that failed, or never ran).
  const state = await probeWorker(ctx.fetcher, ctx.origin, ctx.topicArn);
  if (state.kind === "refuses-topic") return `the deployed worker's SNS_TOPIC_ARNS leaves out the topic, which wrangler.toml lists`;
  if (state.kind === "ready") ctx.report.outcome("already as wanted", `the worker at ${ctx.origin} takes the topic`);
  // Unreachable or not the worker: step 6 says so, and a deploy from here would not change it.
  return undefined;
}

export async function ensureDeployed(ctx: RolloutContext, vars: VarsState): Promise<Rollout> {
  const { report } = ctx;
  const reason = await deployReason(ctx, vars);
  if (!reason) return "go";
  if (ctx.dryRun) {
    report.outcome("would deploy", `the worker (${DEPLOY}): ${reason}`);
    return "planned";
  }
  try {
    await deployWorker({ configPath: ctx.tomlPath, run: ctx.run, trackingKeys: ctx.trackingKeys, out: (line) => report.info(line) });
  } catch (err) {
    if (!(err instanceof DeployError)) throw err;
    report.fail(
      `deploy failed: ${err.message}`,
      `${ctx.tomlPath} already holds the new values. Fix that, then deploy them: npm run deploy`,
      "and run this command again to subscribe the worker.",
    );
    return "stopped";
  }
  report.outcome("deployed", `the worker (${DEPLOY}): ${reason}`);

  report.info(`waiting up to ${seconds(ctx.wait.timeoutMs)} s for the deployed worker to take the topic…`);
  const { state, elapsedMs } = await waitForTopic(ctx.fetcher, ctx.origin, ctx.topicArn, ctx.wait);
  if (state.kind === "ready") {
    report.info(`the worker takes the topic after ${seconds(elapsedMs)} s`);
    return "go";
  }
  report.fail(
    `the deployed worker at ${ctx.origin} did not take the topic within ${seconds(ctx.wait.timeoutMs)} s`,
    state.kind === "refuses-topic"
      ? `it still answers topic_not_allowed: is ${ctx.origin} the worker ${ctx.tomlPath} deploys (its routes)?`
      : state.detail,
    "Run this command again once it answers: it deploys again only if the worker still refuses the topic, then subscribes.",
  );
  return "stopped";
}
