// Queue names as configured in wrangler.toml; the queue handler dispatches on them.

export const EVENTS_QUEUE = "mail-tracker-events";
export const EVENTS_DLQ = "mail-tracker-events-dlq";
/** Campaign sends, one message per recipient (src/sending/consumer.ts). */
export const SEND_QUEUE = "mail-tracker-send";
export const SEND_DLQ = "mail-tracker-send-dlq";

/** Delay before a failed message is offered again: grows with each attempt, capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.min(attempts, 8));
}
