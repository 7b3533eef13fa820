// connect-ses, steps 1 to 6 in order, over injected output, fetch, clock and wrangler runner so that tests drive all of it.

import { explainAwsError } from "../aws/advice";
import { AwsCaller, AwsError, type AwsSettings } from "../aws/client";
import { checkAccount } from "./account";
import { ensureConfigurationSet } from "./configuration-set";
import { checkIdentities } from "./identities";
import type { RunWrangler } from "../setup/wrangler";
import { Report } from "./report";
import { DEFAULT_WAIT, ensureSubscription, type ConfirmationWait } from "./subscription";
import { ensureTopic } from "./topic";
import { TomlEditError } from "./toml-vars";
import { ensureDeployed } from "./worker-deploy";
import { applyWorkerValues } from "./worker-vars";

export interface ConnectOptions {
  /** The worker's origin: https://track.example.com. */
  origin: string;
  settings: AwsSettings;
  dryRun: boolean;
  write: boolean;
  topicName: string;
  configurationSet: string;
  tomlPath: string;
  out: (line: string) => void;
  /** Runs wrangler for the deploy --write may make (a fake in tests: nothing reaches Cloudflare). */
  run: RunWrangler;
  /** TRACKING_KEYS from the environment, for the deploy's preflight (as npm run deploy checks it). */
  trackingKeys?: string;
  fetch?: typeof fetch;
  /** Bounds the wait for a deployed worker to take the topic, and then for its confirmation. */
  wait?: ConfirmationWait;
}

/** True when every step reached its goal (things left for a person to do do not count against it). */
export async function connectSes(options: ConnectOptions): Promise<boolean> {
  const report = new Report(options.out, options.dryRun);
  const fetcher = options.fetch ?? fetch;
  const wait = options.wait ?? DEFAULT_WAIT;
  const aws = new AwsCaller(options.settings, { dryRun: options.dryRun, fetch: fetcher, onCall: (event) => report.call(event) });
  const { region } = options.settings;
  options.out(
    `connect-ses: worker ${options.origin}, AWS region ${region}` +
      (options.dryRun ? " (dry run: reads are made, nothing is changed, no file is written, nothing is deployed)" : ""),
  );

  try {
    report.step(1, "SES account");
    await checkAccount(aws, report);

    report.step(2, "Sending identities");
    await checkIdentities(aws, report);

    report.step(3, `SNS topic ${options.topicName}`);
    const topic = await ensureTopic(aws, report, options.topicName);

    report.step(4, `SES configuration set ${options.configurationSet}`);
    await ensureConfigurationSet(aws, report, options.configurationSet, topic.arn);

    // Before subscribing: the worker confirms only a topic its deployed SNS_TOPIC_ARNS lists.
    report.step(5, "Worker configuration and deployment");
    const vars = applyWorkerValues(
      report,
      { topicArn: topic.arn, configurationSet: options.configurationSet, region },
      { tomlPath: options.tomlPath, write: options.write, dryRun: options.dryRun },
    );
    const rollout = await ensureDeployed(
      {
        report,
        origin: options.origin,
        topicArn: topic.arn,
        topicExists: topic.exists,
        write: options.write,
        dryRun: options.dryRun,
        tomlPath: options.tomlPath,
        run: options.run,
        trackingKeys: options.trackingKeys,
        fetcher,
        wait,
      },
      vars,
    );
    report.step(6, `Subscription of ${options.origin}/sns`);
    if (rollout === "stopped") {
      report.info("not tried: the worker must take the topic first (step 5)");
    } else {
      await ensureSubscription(
        aws,
        report,
        { origin: options.origin, topicArn: topic.arn, topicExists: topic.exists, deployPlanned: rollout === "planned" },
        fetcher,
        wait,
      );
    }
  } catch (err) {
    if (err instanceof AwsError) {
      const [headline, ...advice] = explainAwsError(err);
      report.fail(headline!, ...advice);
    } else if (err instanceof TomlEditError) {
      report.fail(err.message);
    } else {
      throw err;
    }
  }
  report.summary();
  return report.failures.length === 0;
}
