// The SES events (event publishing's JSON, as in test/fixtures/ses) that SES would publish for one sent mail, by what
// SES's mailbox simulator does with each recipient: pure, so the tests can check every address.

export interface SentMail {
  /** SES's MessageId, as SendEmail answered it. */
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  /** SendEmail's EmailTags. */
  tags: { Name: string; Value: string }[];
  configurationSet: string | null;
  sentAt: Date;
}

export type SimulatorOutcome = "success" | "bounce" | "ooto" | "complaint" | "suppressionlist";

/** The local account id of every local ARN: zeros, nobody's (the local SNS topic uses it too). */
const ACCOUNT = "000000000000";

/**
 * SES's mailbox simulator (SES developer guide, "Using the mailbox simulator"): `<outcome>@simulator.amazonses.com`,
 * optionally labelled as `<outcome>+<label>@…`. Any other address: null (the emulator delivers nowhere, so only Send).
 */
export function simulatorOutcome(address: string): SimulatorOutcome | null {
  const m = /^([a-z]+)(?:\+[^@]*)?@simulator\.amazonses\.com$/i.exec(address.trim());
  const local = m?.[1]?.toLowerCase();
  return local === "success" || local === "bounce" || local === "ooto" || local === "complaint" || local === "suppressionlist" ? local : null;
}

const SUPPRESSED_DIAGNOSTIC =
  "Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address. For more " +
  "information about how to remove an address from the suppression list, see the Amazon SES Developer Guide: " +
  "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ";

function addressOnly(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

/** The `mail` object every event of this message carries, with SES's own tags beside the sender's. */
function mailObject(sent: SentMail): Record<string, unknown> {
  const fromAddress = addressOnly(sent.from);
  const tags: Record<string, string[]> = {
    ...(sent.configurationSet ? { "ses:configuration-set": [sent.configurationSet] } : {}),
    "ses:source-ip": ["127.0.0.1"],
    "ses:from-domain": [fromAddress.split("@")[1] ?? ""],
    "ses:caller-identity": ["mail-tracker-local"],
  };
  for (const tag of sent.tags) tags[tag.Name] = [tag.Value];
  return {
    timestamp: sent.sentAt.toISOString(),
    source: sent.from,
    sourceArn: `arn:aws:ses:us-east-1:${ACCOUNT}:identity/${fromAddress}`,
    sendingAccountId: ACCOUNT,
    messageId: sent.messageId,
    destination: sent.to,
    headersTruncated: false,
    headers: [
      { name: "From", value: sent.from },
      { name: "To", value: sent.to.join(", ") },
      { name: "Subject", value: sent.subject },
      { name: "MIME-Version", value: "1.0" },
    ],
    commonHeaders: { from: [sent.from], to: sent.to, messageId: sent.messageId, subject: sent.subject },
    tags,
  };
}

function feedbackId(sent: SentMail, n: number): string {
  return `${sent.messageId}-local-feedback-${n}`;
}

/** What SES publishes about one recipient after Send, in order. */
function recipientEvents(sent: SentMail, to: string, outcome: SimulatorOutcome, at: (ms: number) => string): Record<string, unknown>[] {
  const delivery = {
    eventType: "Delivery",
    delivery: {
      timestamp: at(800),
      processingTimeMillis: 800,
      recipients: [to],
      smtpResponse: "250 2.6.0 Message received",
      reportingMTA: "a8-31.smtp-out.amazonses.com",
      remoteMtaIp: "127.0.0.1",
    },
  };
  const bounce = (bounceSubType: string, diagnosticCode: string, reportingMTA: string) => ({
    eventType: "Bounce",
    bounce: {
      bounceType: "Permanent",
      bounceSubType,
      bouncedRecipients: [{ emailAddress: to, action: "failed", status: "5.1.1", diagnosticCode }],
      timestamp: at(900),
      feedbackId: feedbackId(sent, 1),
      reportingMTA,
    },
  });
  switch (outcome) {
    case "success":
    case "ooto":
      // An out-of-office reply goes back to the sender; for SES the mail was delivered.
      return [delivery];
    case "bounce":
      return [bounce("General", "smtp; 550 5.1.1 user unknown", "dsn; a8-31.smtp-out.amazonses.com")];
    case "suppressionlist":
      return [bounce("OnAccountSuppressionList", SUPPRESSED_DIAGNOSTIC, "dns; amazonses.com")];
    case "complaint":
      return [
        delivery,
        {
          eventType: "Complaint",
          complaint: {
            complainedRecipients: [{ emailAddress: to }],
            timestamp: at(2000),
            feedbackId: feedbackId(sent, 2),
            userAgent: "Amazon SES Mailbox Simulator",
            complaintFeedbackType: "abuse",
            arrivalDate: at(1500),
          },
        },
      ];
  }
}

/**
 * Send for the message, then for each simulator recipient what SES publishes about it (Delivery; Bounce
 * Permanent/General; Delivery then Complaint; Bounce Permanent/OnAccountSuppressionList; ooto: Delivery).
 */
export function sesEventsFor(sent: SentMail): Record<string, unknown>[] {
  const mail = mailObject(sent);
  const at = (ms: number) => new Date(sent.sentAt.getTime() + ms).toISOString();
  const events: Record<string, unknown>[] = [{ eventType: "Send", mail, send: {} }];
  for (const to of sent.to) {
    const outcome = simulatorOutcome(to);
    if (outcome) for (const event of recipientEvents(sent, to, outcome, at)) events.push({ ...event, mail });
  }
  return events;
}
