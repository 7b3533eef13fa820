// Queue names and retry schedules as configured in wrangler.toml; the queue handler dispatches on the names.

export const EVENTS_QUEUE = "mail-tracker-events";
export const EVENTS_DLQ = "mail-tracker-events-dlq";
/** Campaign sends, one message per recipient (src/queues/sends.ts). */
export const SEND_QUEUE = "mail-tracker-send";
export const SEND_DLQ = "mail-tracker-send-dlq";
/** Outbound webhooks, one message per endpoint and event (src/queues/webhooks.ts). */
export const WEBHOOK_QUEUE = "mail-tracker-webhooks";
export const WEBHOOK_DLQ = "mail-tracker-webhooks-dlq";

/** Delay before a failed message is offered again: grows with each attempt, capped at 5 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.min(attempts, 8));
}

/**
 * How a consumer retries a message it could not store: the delay doubles from `firstDelay` up to `maxDelay`
 * seconds, and `maxRetries` must equal the consumer's `max_retries` in wrangler.toml (a test checks it).
 */
export interface RetrySchedule {
  firstDelay: number;
  maxDelay: number;
  maxRetries: number;
}

/**
 * The events queue rides out a D1 or counters outage of two hours: 5, 10, 20 … 160 s, then every 5 minutes
 * (so storing resumes at most 5 minutes after the outage ends), 29 retries: 7,215 s in all.
 */
export const EVENTS_RETRY: RetrySchedule = { firstDelay: 5, maxDelay: 300, maxRetries: 29 };

/**
 * The dead-letter queues only need D1 to keep a message; they wait for it two more days: 1, 2, 4, 8, 16 min,
 * then every 30 minutes, 100 retries (Queues' maximum): 172,860 s, inside Queues' default 4-day retention.
 */
export const DEAD_LETTER_RETRY: RetrySchedule = { firstDelay: 60, maxDelay: 1800, maxRetries: 100 };

/**
 * How long a batch that arrived while the deployment is misconfigured waits before it comes again: the longest delay
 * the events queue uses between retries. (Not exported from src/index.ts: workerd takes every named export of the
 * entry module for a handler, and refuses a number.)
 */
export const MISCONFIGURED_RETRY_SECONDS = 300;

/** Queues accept a delay of at most 12 hours. */
const MAX_QUEUE_DELAY = 43_200;

/** The delay to ask for after delivery number `attempts` (1 for the first) failed. */
export function backoffSeconds(schedule: RetrySchedule, attempts: number): number {
  const doubled = schedule.firstDelay * 2 ** Math.min(Math.max(attempts, 1) - 1, 30);
  return Math.min(schedule.maxDelay, doubled, MAX_QUEUE_DELAY);
}

/** How long a message keeps being offered after its first failure: the delays before each of its retries. */
export function retryBudgetSeconds(schedule: RetrySchedule): number {
  let total = 0;
  for (let attempts = 1; attempts <= schedule.maxRetries; attempts++) total += backoffSeconds(schedule, attempts);
  return total;
}

/** The delivery after which Queues gives up on a message (moves it to the dead-letter queue, or drops it). */
export function isLastAttempt(schedule: RetrySchedule, attempts: number): boolean {
  return attempts > schedule.maxRetries;
}
