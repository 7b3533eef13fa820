// What to do about an AWS error: the lines a person reads when a setup call fails.

import type { AwsError } from "./client";
import { OPERATIONS } from "./operations";

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException"]);
const BAD_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "InvalidSignatureException",
]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired"]);
const THROTTLED = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException", "ThrottledException"]);
const LIMIT = new Set(["LimitExceededException", "TopicLimitExceeded", "SubscriptionLimitExceeded", "LimitExceeded"]);

/** The error as one headline plus what to do about it. */
export function explainAwsError(err: AwsError): string[] {
  const op = OPERATIONS[err.operation];
  const headline = `${op.service.toUpperCase()} ${err.operation} failed: ${err.code}${err.status ? ` (HTTP ${err.status})` : ""}: ${err.message}`;
  return [headline, ...whatToDo(err)];
}

function whatToDo(err: AwsError): string[] {
  const iamAction = OPERATIONS[err.operation].iamAction;
  if (ACCESS_DENIED.has(err.code) || (err.status === 403 && !BAD_CREDENTIALS.has(err.code) && !EXPIRED.has(err.code))) {
    return [
      `Missing permission: add the IAM action "${iamAction}" to the policy of the IAM user or role whose credentials are in AWS_ACCESS_KEY_ID.`,
      "docs/iam-policy.json lists every action this command uses; attach it whole to avoid one error per run.",
    ];
  }
  if (BAD_CREDENTIALS.has(err.code)) {
    return [
      "AWS does not accept these credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (no spaces or quotes copied in),",
      "and set AWS_SESSION_TOKEN too when they are temporary (they start with ASIA).",
    ];
  }
  if (EXPIRED.has(err.code)) {
    return ["The credentials (or the request time) expired: get fresh temporary credentials, and check this machine's clock."];
  }
  if (THROTTLED.has(err.code) || err.status === 429) {
    return ["AWS is throttling this account's requests: wait a minute and run the command again (every step checks before it changes anything)."];
  }
  if (LIMIT.has(err.code)) {
    return ["An account limit is reached: delete what is unused (topics, configuration sets) or ask AWS Support for a higher quota."];
  }
  if (err.status === 0) {
    return [`Check the network, the region (--region or AWS_REGION: "${regionOf(err.endpoint)}"), and any AWS_ENDPOINT_URL_* override.`];
  }
  if (err.status >= 500) {
    return ["AWS failed on its side: run the command again; every step checks what exists first, so a rerun is safe."];
  }
  return ["AWS refused the request as sent: the message above says why. Fix that and run again (a rerun is safe)."];
}

function regionOf(endpoint: string): string {
  return /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com/.exec(endpoint)?.[1] ?? endpoint;
}
