// Which URLs inside an SNS message may ever be fetched: the signing certificate and the subscription confirmation.

/** An AWS region name as it appears in SNS hosts and ARNs (us-east-1, us-gov-west-1, cn-north-1…). */
const REGION = "[a-z]{2}(?:-[a-z]+)+-[0-9]+";

/**
 * The whole URL must be exactly https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem.
 * Matching the whole string (rather than a parsed host) leaves no room for userinfo, a port, a query, a
 * fragment, another amazonaws.com host (S3 included) or a look-alike host that merely ends the same way.
 */
const CERTIFICATE_URL = new RegExp(`^https://sns\\.${REGION}\\.amazonaws\\.com(?:\\.cn)?/SimpleNotificationService-[0-9a-f]+\\.pem$`);

export function isTrustedCertificateUrl(url: string): boolean {
  return CERTIFICATE_URL.test(url);
}

const TOPIC_ARN = new RegExp(`^arn:(aws|aws-cn|aws-us-gov):sns:(${REGION}):[0-9]{12}:[A-Za-z0-9_-]{1,256}(?:\\.fifo)?$`);

/** The SNS API host of the topic's own region (and partition); null when the ARN is not an SNS topic ARN. */
export function snsHostForTopic(topicArn: string): string | null {
  const match = TOPIC_ARN.exec(topicArn);
  if (!match) return null;
  const [, partition, region] = match;
  return `sns.${region}.amazonaws.com${partition === "aws-cn" ? ".cn" : ""}`;
}

/**
 * The certificate URL is on the SNS host of the topic's own region and partition (the URL itself must also pass
 * isTrustedCertificateUrl). False when the TopicArn is not an SNS topic ARN.
 */
export function isCertificateUrlForTopic(certificateUrl: string, topicArn: string): boolean {
  const host = snsHostForTopic(topicArn);
  return host !== null && certificateUrl.startsWith(`https://${host}/`);
}

/**
 * The SubscribeURL may be fetched only when it is exactly a ConfirmSubscription call for this topic and token
 * on the SNS host of the topic's region: https, no userinfo, port or fragment, path "/", and no query
 * parameter other than Action, TopicArn and Token, each once. Returns the URL to fetch, or null.
 */
export function trustedSubscribeUrl(subscribeUrl: string, topicArn: string, token: string): URL | null {
  const host = snsHostForTopic(topicArn);
  if (!host || !subscribeUrl.startsWith(`https://${host}/?`) || subscribeUrl.includes("#")) return null;
  let url: URL;
  try {
    url = new URL(subscribeUrl);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.port || url.hostname !== host) return null;
  if (url.pathname !== "/" || url.hash) return null;
  const keys = [...url.searchParams.keys()];
  if (keys.length !== 3 || new Set(keys).size !== 3) return null;
  const params = url.searchParams;
  if (params.get("Action") !== "ConfirmSubscription") return null;
  if (params.get("TopicArn") !== topicArn || params.get("Token") !== token) return null;
  return url;
}
