// Step 1: the SES account in this region, sandbox or production, and what its quota means for sending.

import type { AwsCaller } from "../aws/client";
import { getAccount, type SesAccount } from "../aws/ses";
import type { Report } from "./report";

export async function checkAccount(aws: AwsCaller, report: Report): Promise<void> {
  const account = (await getAccount(aws)) ?? {};
  describeAccount(account, aws.settings.region, report);
}

const count = (n: number | undefined) => (n === undefined ? "?" : n.toLocaleString("en-US"));

export function describeAccount(account: SesAccount, region: string, report: Report): void {
  const quota = account.SendQuota ?? {};
  const rate = `at most ${count(quota.MaxSendRate)} per second`;
  if (account.ProductionAccessEnabled) {
    report.info(
      `Production access in ${region}: SES sends to any address, up to ${count(quota.Max24HourSend)} messages per 24 hours ` +
        `(${count(quota.SentLast24Hours)} sent in the last 24), ${rate}.`,
      `Keep SEND_RATE_PER_SECOND in wrangler.toml at or below ${count(quota.MaxSendRate)}.`,
    );
  } else {
    report.info(
      `Sandbox in ${region}: SES sends only to verified addresses (and the mailbox simulator), ` +
        `up to ${count(quota.Max24HourSend)} messages per 24 hours, ${rate}.`,
    );
    const review = account.Details?.ReviewDetails;
    if (review?.Status === "PENDING") {
      report.info(`Your request for production access is being reviewed (case ${review.CaseId ?? "?"}).`);
    } else {
      report.todo(
        `leave the SES sandbox in ${region} before sending to real recipients`,
        "SES console → Account dashboard → Request production access, or:",
        `aws sesv2 put-account-details --region ${region} --production-access-enabled --mail-type MARKETING \\`,
        "  --website-url https://www.example.com --use-case-description 'who you mail, how they opted in, how bounces are handled'",
      );
    }
  }
  if (account.SendingEnabled === false) {
    report.todo(
      `sending is paused for this account in ${region} (enforcement status ${account.EnforcementStatus ?? "unknown"})`,
      "see SES console → Account dashboard and Reputation metrics for why, and what AWS asks for to resume it",
    );
  } else if (account.EnforcementStatus && account.EnforcementStatus !== "HEALTHY") {
    report.info(`Enforcement status: ${account.EnforcementStatus}: bounce or complaint rates are high; SES may pause sending.`);
  }
}
