// Send tasks that reached the send dead-letter queue: their recipients become `dead_lettered`, for an operator to send.

import { database } from "../db/client";
import { markDeadLettered } from "../db/deliveries";
import { deliveryKey, readSendTask } from "./jobs";

/**
 * A task that ran out of retries left its recipient `queued` (the consumer gives the claim back when SES throttles,
 * before SES took anything), where nothing would ever claim it again. Marking it says so in the job's report and lets
 * `send-dead-lettered` queue it again. Bodies that are not send tasks are only stored, as before.
 */
export async function markSendTasksDeadLettered(env: Env, bodies: readonly unknown[], now = Date.now()): Promise<void> {
  const refs = bodies.flatMap((body) => {
    const task = readSendTask(body);
    return task.ok ? [{ jobId: task.value.jobId, recipient: deliveryKey(task.value.to) }] : [];
  });
  await markDeadLettered(database(env.DB), refs, now);
}
