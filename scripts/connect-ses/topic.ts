// Step 3: the SNS topic SES publishes to, signing with SignatureVersion 2, retrying HTTPS deliveries as long as SNS allows.

import type { AwsCaller } from "../aws/client";
import { createTopic, getTopicAttributes, listTopics, setTopicAttribute } from "../aws/sns";
import type { Report } from "./report";

/**
 * SNS allows an HTTP/S retry policy of at most 100 retries and 3,600 s in all (a hard limit). This one retries for
 * about 58 minutes: 2 retries 20 s apart, 10 growing from 20 to 60 s, then 48 every 60 s (at most 3,520 s).
 * Subscriptions without a policy of their own inherit it (`disableSubscriptionOverrides` left false).
 */
export const DELIVERY_POLICY = {
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 60,
      numRetries: 60,
      numNoDelayRetries: 0,
      numMinDelayRetries: 2,
      numMaxDelayRetries: 48,
      backoffFunction: "exponential",
    },
    disableSubscriptionOverrides: false,
  },
} as const;

/** SHA256withRSA; the worker verifies both versions, 2 is the one SNS recommends. */
export const SIGNATURE_VERSION = "2";

/** The ARN the topic would get, for a dry run that did not create it: the account id is not known without a call. */
export function plannedTopicArn(region: string, name: string): string {
  return `arn:aws:sns:${region}:<account id>:${name}`;
}

/** Returns the topic's ARN (the planned one in a dry run, when the topic does not exist yet). */
export async function ensureTopic(aws: AwsCaller, report: Report, name: string): Promise<{ arn: string; exists: boolean }> {
  const existing = (await listTopics(aws)).find((arn) => arn.split(":")[5] === name);
  let arn = existing;
  if (existing) {
    report.outcome("already as wanted", `topic ${existing}`);
  } else {
    arn = await createTopic(aws, name);
    report.outcome(arn ? "created" : "would create", `topic ${arn ?? plannedTopicArn(aws.settings.region, name)}`);
  }
  if (!arn) {
    if (!aws.dryRun) throw new Error("SNS answered CreateTopic without a TopicArn");
    // Dry run on a topic that does not exist: both attributes would be set right after it is created.
    await setTopicAttribute(aws, plannedTopicArn(aws.settings.region, name), "SignatureVersion", SIGNATURE_VERSION);
    await setTopicAttribute(aws, plannedTopicArn(aws.settings.region, name), "DeliveryPolicy", JSON.stringify(DELIVERY_POLICY));
    report.outcome("would update", "topic attributes SignatureVersion and DeliveryPolicy");
    return { arn: plannedTopicArn(aws.settings.region, name), exists: false };
  }

  const attributes = await getTopicAttributes(aws, arn);
  const changed = aws.dryRun ? "would update" : "updated";
  if (attributes.SignatureVersion === SIGNATURE_VERSION) {
    report.outcome("already as wanted", "SignatureVersion 2 (SHA256withRSA)");
  } else {
    await setTopicAttribute(aws, arn, "SignatureVersion", SIGNATURE_VERSION);
    report.outcome(changed, `SignatureVersion ${attributes.SignatureVersion ?? "1"} → 2 (SHA256withRSA)`);
  }
  if (deliveryPolicyMatches(attributes.DeliveryPolicy)) {
    report.outcome("already as wanted", "delivery policy: 60 HTTPS retries over about 58 minutes");
  } else {
    await setTopicAttribute(aws, arn, "DeliveryPolicy", JSON.stringify(DELIVERY_POLICY));
    report.outcome(changed, "delivery policy → 60 HTTPS retries over about 58 minutes (SNS allows at most 3,600 s)");
  }
  return { arn, exists: true };
}

/** SNS hands the policy back re-serialised, sometimes with defaults added: compare the fields that matter. */
export function deliveryPolicyMatches(current: string | undefined): boolean {
  if (!current) return false;
  let parsed: { http?: { defaultHealthyRetryPolicy?: Record<string, unknown> } };
  try {
    parsed = JSON.parse(current);
  } catch {
    return false;
  }
  const retry = parsed.http?.defaultHealthyRetryPolicy;
  if (!retry) return false;
  return Object.entries(DELIVERY_POLICY.http.defaultHealthyRetryPolicy).every(([key, value]) => retry[key] === value);
}
