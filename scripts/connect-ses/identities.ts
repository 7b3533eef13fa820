// Step 2: the sending identities (domains, addresses), whether SES lets them send, and their DKIM records.

import type { AwsCaller } from "../aws/client";
import { getEmailIdentity, listEmailIdentities, type EmailIdentity, type IdentitySummary } from "../aws/ses";
import type { Report } from "./report";

/** Identities looked at in detail; an account with more gets a count for the rest. */
const MAX_DETAILED = 20;

export async function checkIdentities(aws: AwsCaller, report: Report): Promise<void> {
  const region = aws.settings.region;
  const identities = await listEmailIdentities(aws);
  let verified = 0;
  for (const summary of identities.slice(0, MAX_DETAILED)) {
    const detail = (await getEmailIdentity(aws, summary.IdentityName)) ?? {};
    if (describeIdentity(summary, detail, report)) verified++;
  }
  if (identities.length > MAX_DETAILED) {
    const more = identities.slice(MAX_DETAILED);
    verified += more.filter((i) => i.SendingEnabled && i.VerificationStatus === "SUCCESS").length;
    report.info(`… and ${more.length} more identities (not looked at in detail).`);
  }
  if (identities.length === 0) {
    report.todo(
      `no sending identity in ${region}: verify the domain you send from`,
      `aws sesv2 create-email-identity --region ${region} --email-identity example.com`,
      "then add the three DKIM CNAME records it prints to the domain's DNS (on Cloudflare: DNS only, not proxied),",
      "and run this command again: it prints the records still missing.",
    );
  } else if (verified === 0) {
    report.todo(
      `no identity in ${region} is verified for sending yet`,
      "publish the DNS records printed above (or open the link AWS mailed to an address); SES checks them for up to 72 hours.",
    );
  }
}

/** One line per identity; the DKIM records to publish when DKIM is not yet verified. True when it can send. */
export function describeIdentity(summary: IdentitySummary, detail: EmailIdentity, report: Report): boolean {
  const name = summary.IdentityName;
  const isDomain = (detail.IdentityType ?? summary.IdentityType) !== "EMAIL_ADDRESS";
  const canSend = detail.VerifiedForSendingStatus ?? summary.VerificationStatus === "SUCCESS";
  const status = detail.VerificationStatus ?? summary.VerificationStatus ?? "unknown";
  const dkim = detail.DkimAttributes;
  const dkimText = dkim ? `, DKIM ${dkim.Status ?? "unknown"}${dkim.SigningEnabled === false ? " (signing off)" : ""}` : "";
  report.info(`${name} (${isDomain ? "domain" : "address"}): ${canSend ? "verified for sending" : `not verified (${status})`}${dkimText}`);

  if (!canSend && !isDomain) report.info(`  open the verification link AWS mailed to ${name}`);
  if (isDomain && dkim && dkim.Status !== "SUCCESS") {
    if (dkim.SigningAttributesOrigin === "EXTERNAL") {
      report.info("  DKIM uses your own key (BYODKIM): publish its public key TXT record at the selector you gave SES");
    } else if (dkim.Tokens?.length) {
      report.info("  publish these DNS records (on Cloudflare: DNS only, not proxied); SES verifies them within hours:");
      for (const token of dkim.Tokens) report.info(`    ${token}._domainkey.${name}  CNAME  ${token}.dkim.amazonses.com`);
    }
  }
  return canSend;
}
