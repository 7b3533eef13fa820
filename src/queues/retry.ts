// Offering a queue message again later: the one delay rule of every consumer, by its retry schedule or the default.

import { backoffSeconds, type RetrySchedule, retryDelaySeconds } from "../config/queues";

/**
 * Retries `message` after the delay its attempt count earns: the schedule's doubling (the consumers whose wait is
 * configured to outlast an outage) or, without one, retryDelaySeconds' (2, 4 … 256 s, then 5 minutes).
 */
export function retryLater(message: Message<unknown>, schedule?: RetrySchedule): void {
  message.retry({ delaySeconds: schedule ? backoffSeconds(schedule, message.attempts) : retryDelaySeconds(message.attempts) });
}
