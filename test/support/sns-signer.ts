// The tests' SNS signer: the shared one (scripts/local-ses/sns-signer.ts) under a URL that passes the AWS certificate URL rule.
import { createSnsSigner, randomHex, type SnsSigner } from "../../scripts/local-ses/sns-signer.ts";

export { type NotificationInput, signedNotification } from "../../scripts/local-ses/sns-signer.ts";

export type TestSigner = SnsSigner;

/** A URL unique per signer, so that the isolate's certificate cache never mixes two of them. */
export function createTestSigner(options: { notBefore?: Date; notAfter?: Date; region?: string } = {}): Promise<TestSigner> {
  const certUrl = `https://sns.${options.region ?? "us-east-1"}.amazonaws.com/SimpleNotificationService-${randomHex(16)}.pem`;
  return createSnsSigner({ certUrl, notBefore: options.notBefore, notAfter: options.notAfter });
}
