// Event ids that more than one source derives, so that the same happening is stored and counted once.

/**
 * A send's id comes from SES's MessageId: the sender records it when SES accepts the message, and SES's own
 * Send event (through SNS) names the same MessageId, so whichever arrives second stores nothing new.
 */
export function sendEventId(sesMessageId: string): string {
  return `send:${sesMessageId}`;
}
