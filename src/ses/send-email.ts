// SES v2 SendEmail: the request body for one instrumented message, and the call that returns its MessageId.

import { DEFAULT_RETRY, SesError, sesRequest, type RetryPolicy, type SesConfig } from "./client";
import type { MessageTag } from "./tags";

export const SEND_EMAIL_PATH = "/v2/email/outbound-emails";

export interface OutboundEmail {
  from: string;
  to: string;
  replyTo?: string[];
  subject: string;
  html?: string;
  text?: string;
  /** Extra MIME headers, e.g. List-Unsubscribe. */
  headers: Record<string, string>;
  tags: MessageTag[];
  configurationSet?: string;
}

/**
 * Content.Simple carries custom Headers in SES v2 (List-Unsubscribe among them), so SES still builds the MIME
 * message: no Raw MIME to assemble or encode here.
 */
export function sendEmailBody(email: OutboundEmail): Record<string, unknown> {
  const body: Record<string, string | { Data: string; Charset: "UTF-8" }> = {};
  if (email.html !== undefined) body.Html = { Data: email.html, Charset: "UTF-8" };
  if (email.text !== undefined) body.Text = { Data: email.text, Charset: "UTF-8" };
  return {
    FromEmailAddress: email.from,
    Destination: { ToAddresses: [email.to] },
    ...(email.replyTo?.length ? { ReplyToAddresses: email.replyTo } : {}),
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: "UTF-8" },
        Body: body,
        Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
      },
    },
    EmailTags: email.tags,
    ...(email.configurationSet ? { ConfigurationSetName: email.configurationSet } : {}),
  };
}

/**
 * Send one email; resolves to SES's MessageId. Throws SesError (see client.ts) when SES does not take it or may
 * have taken it (`outcomeUnknown`); only throttling is retried, since SendEmail is not idempotent.
 */
export async function sendEmail(config: SesConfig, email: OutboundEmail, policy: RetryPolicy = DEFAULT_RETRY): Promise<string> {
  const answer = await sesRequest<{ MessageId?: string }>(config, "POST", SEND_EMAIL_PATH, sendEmailBody(email), policy);
  // SES may well have taken it: without its id nothing proves either way, so it is an unknown outcome.
  if (!answer.MessageId) throw new SesError(502, "MissingMessageId", "SES answered SendEmail without a MessageId", true, true);
  return answer.MessageId;
}
