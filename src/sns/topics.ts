// The SNS topic allow-list (SNS_TOPIC_ARNS): which topics may deliver events to this deployment.

/** Comma-separated ARNs; blanks ignored. */
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
