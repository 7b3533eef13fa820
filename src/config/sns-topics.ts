// The SNS topic allow-list (SNS_TOPIC_ARNS, read by config.ts): which topics may deliver events to this deployment.

/** The ARN of an SNS topic, standard or FIFO, in any partition (aws, aws-cn, aws-us-gov…). */
const TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export function isTopicArn(text: string): boolean {
  return TOPIC_ARN.test(text);
}

/** Comma-separated ARNs; blanks ignored, so " , " is as closed as "". */
export function parseTopicAllowList(value: string | undefined): ReadonlySet<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/** Closed by default: an empty allow-list admits no topic. */
export function isTopicAllowed(allowList: ReadonlySet<string>, topicArn: string): boolean {
  return allowList.has(topicArn);
}
