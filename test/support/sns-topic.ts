// The one SNS topic that tests, benchmarks and load runs sign messages for; what they start lists it in SNS_TOPIC_ARNS.
export const TEST_SNS_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:mail-tracker-ses";
