// Queue names as configured in wrangler.toml; the queue handler dispatches on them.

export const EVENTS_QUEUE = "mail-tracker-events";
export const EVENTS_DLQ = "mail-tracker-events-dlq";

/** Delay before a failed message is offered again: grows with each attempt, capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.min(attempts, 8));
}
