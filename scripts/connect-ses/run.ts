// connect-ses, steps 1 to 6 in order, over injected output, fetch and clock so that tests drive all of it.

import { explainAwsError } from "../aws/advice";
import { AwsCaller, AwsError, type AwsSettings } from "../aws/client";
import { checkAccount } from "./account";
import { ensureConfigurationSet } from "./configuration-set";
import { checkIdentities } from "./identities";
import { Report } from "./report";
import { DEFAULT_WAIT, ensureSubscription, type ConfirmationWait } from "./subscription";
import { ensureTopic } from "./topic";
import { TomlEditError } from "./toml-vars";
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
  fetch?: typeof fetch;
  wait?: ConfirmationWait;
}

/** True when every step reached its goal (things left for a person to do do not count against it). */
export async function connectSes(options: ConnectOptions): Promise<boolean> {
  const report = new Report(options.out, options.dryRun);
  const fetcher = options.fetch ?? fetch;
  const aws = new AwsCaller(options.settings, { dryRun: options.dryRun, fetch: fetcher, onCall: (event) => report.call(event) });
  const { region } = options.settings;
  options.out(
    `connect-ses: worker ${options.origin}, AWS region ${region}` +
      (options.dryRun ? " (dry run: reads are made, nothing is changed, no file is written)" : ""),
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

    report.step(5, `Subscription of ${options.origin}/sns`);
    await ensureSubscription(
      aws,
      report,
      { origin: options.origin, topicArn: topic.arn, topicExists: topic.exists },
      fetcher,
      options.wait ?? DEFAULT_WAIT,
    );

    // Printed (and written) even when step 5 failed: a worker that refuses the topic needs exactly these values.
    report.step(6, "Worker configuration");
    applyWorkerValues(
      report,
      { topicArn: topic.arn, configurationSet: options.configurationSet, region },
      { tomlPath: options.tomlPath, write: options.write, dryRun: options.dryRun },
    );
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
