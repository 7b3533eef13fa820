// One outgoing message, end to end: instrumented HTML, one-click unsubscribe headers, attribution tags, SES.

import type { Config, SesSettings } from "../config/config";
import { sendEventId } from "../domain/event-ids";
import { identityKey } from "../domain/identity";
import type { TrackingEvent } from "../domain/events";
import { sesConfig, type RetryPolicy, DEFAULT_RETRY } from "../ses/client";
import { sendEmail, type OutboundEmail } from "../ses/send-email";
import { emailTags } from "../ses/tags";
import { instrumentHtml } from "../tracking/instrument";
import type { TrackSwitches } from "../domain/track-switches";
import type { KeyRing } from "../config/tracking-keys";
import { listUnsubscribeHeaders, unsubscribePath } from "../tracking/links";
import { signToken } from "../tracking/token";
import { formatMailbox } from "./mailbox";

export interface MessageInput {
  campaignId: string;
  to: string;
  from: string;
  subject: string;
  html?: string | null;
  text?: string | null;
  replyTo?: string | string[] | null;
  tags?: Record<string, string> | null;
  /** Already resolved against the campaign's switches (see tracking.ts). */
  track: TrackSwitches;
}

export interface ComposeContext {
  /** Origin of the tracking links. */
  origin: string;
  ring: KeyRing;
  /** Address for the mailto: List-Unsubscribe target; none when empty. */
  unsubscribeMailto?: string;
  configurationSet?: string;
}

export function composeContextFrom({ tracking, ses }: Pick<Config, "tracking" | "ses">, origin: string, ring: KeyRing): ComposeContext {
  return { origin, ring, unsubscribeMailto: tracking.unsubscribeMailto ?? undefined, configurationSet: ses.configurationSet ?? undefined };
}

/** The SES request for one recipient. Plain-text parts go out exactly as given. */
export async function composeEmail(ctx: ComposeContext, input: MessageInput): Promise<OutboundEmail> {
  const token = await signToken({ kind: "unsubscribe", campaignId: input.campaignId, contact: input.to }, ctx.ring);
  const html =
    input.html == null
      ? undefined
      : (
          await instrumentHtml(input.html, {
            origin: ctx.origin,
            ring: ctx.ring,
            campaignId: input.campaignId,
            contact: input.to,
            track: input.track,
          })
        ).html;
  const replyTo = input.replyTo == null ? [] : Array.isArray(input.replyTo) ? input.replyTo : [input.replyTo];
  return {
    from: formatMailbox(input.from),
    to: input.to,
    replyTo: replyTo.map(formatMailbox),
    subject: input.subject,
    html,
    text: input.text ?? undefined,
    headers: { ...listUnsubscribeHeaders(ctx.origin + unsubscribePath(token), ctx.unsubscribeMailto) },
    tags: emailTags(input.campaignId, input.to, input.tags ?? {}),
    configurationSet: ctx.configurationSet,
  };
}

/** Compose and hand to SES; resolves to SES's MessageId. SES failures throw SesError. */
export async function deliver(ses: SesSettings, ctx: ComposeContext, input: MessageInput, policy: RetryPolicy = DEFAULT_RETRY): Promise<string> {
  return sendEmail(sesConfig(ses), await composeEmail(ctx, input), policy);
}

export function sendEvent(
  input: Pick<MessageInput, "campaignId" | "to">,
  sesMessageId: string,
  now: number,
  metadata?: Record<string, unknown>,
): TrackingEvent {
  return {
    id: sendEventId(sesMessageId),
    type: "send",
    campaignId: input.campaignId,
    contactId: identityKey(input.to),
    email: input.to,
    sesMessageId,
    occurredAt: now,
    metadata: metadata ?? null,
  };
}
