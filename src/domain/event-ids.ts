// Event ids that more than one source derives, so that the same happening is stored and counted once.

import { normalizeEmail } from "./email";
import { hex } from "./hex";

/**
 * A send's id comes from SES's MessageId: the sender records it when SES accepts the message, and SES's own
 * Send event (through SNS) names the same MessageId, so whichever arrives second stores nothing new.
 */
export function sendEventId(sesMessageId: string): string {
  return `send:${sesMessageId}`;
}

/**
 * One unsubscribe per address per campaign. The id is derived from the address as ids always were (the token's
 * spelling, normalised), so a press repeated across an upgrade is still the same unsubscribe; erasure recomputes it
 * to forget it.
 */
export async function unsubscribeEventId(campaignId: string, address: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${campaignId}\n${normalizeEmail(address)}`));
  return `unsub-${hex(new Uint8Array(digest, 0, 16))}`;
}
