// A verified SNS Notification into domain events on the queue, with no storage on the way: verify, enqueue, answer.

import { AppError } from "../lib/errors";
import { database } from "../db/client";
import { insertDeadLetters } from "../db/dead-letters";
import { errorFields, log } from "../lib/log";
import { enqueueEvents } from "../pipeline/enqueue";
import { parseSesMessage } from "../ses/events";
import { enqueuedRecently, rememberEnqueued } from "./recent";
import type { SnsNotification } from "./verify";

export type IngestOutcome =
  | { status: "enqueued"; sesType: string; events: number }
  | { status: "duplicate" }
  | { status: "ignored"; sesType: string }
  | { status: "dead_lettered"; reason: string };

/** The `queue` column of dead letters that came from POST /sns rather than from a queue. */
export const SNS_DEAD_LETTER_SOURCE = "sns";

/**
 * Nothing is answered 200 before the events are on the queue: a failed enqueue is a 503 and SNS delivers again. A
 * redelivery is harmless whoever takes it: its events carry the ids they had the first time (derived from the SNS
 * MessageId), which the consumer and the counters already hold. So no storage is asked whether the message was seen;
 * only this isolate's memory of what it enqueued (./recent.ts) answers `duplicate` without enqueueing again.
 */
export async function ingestNotification(env: Env, message: SnsNotification): Promise<IngestOutcome> {
  if (enqueuedRecently(message.MessageId)) return { status: "duplicate" };
  const parsed = await parseSesMessage(message.Message, { messageId: message.MessageId, timestamp: message.Timestamp });
  const ids = { messageId: message.MessageId, topicArn: message.TopicArn };
  if (parsed.kind === "invalid") {
    log.warn("sns notification is not a valid SES event; kept as a dead letter", { ...ids, reason: parsed.reason });
    await keepAsDeadLetter(env, message, `invalid SES event: ${parsed.reason}`);
    return { status: "dead_lettered", reason: parsed.reason };
  }
  if (parsed.kind === "unknown_type") {
    log.warn("unknown SES event type acknowledged", { ...ids, sesType: parsed.sesType });
    return { status: "ignored", sesType: parsed.sesType };
  }

  try {
    await enqueueEvents(env.EVENTS, parsed.events);
  } catch (err) {
    log.error("sns events not enqueued", { ...ids, ...errorFields(err) });
    throw new AppError("unavailable", "the event queue is unavailable; try again");
  }
  rememberEnqueued(message.MessageId);
  return { status: "enqueued", sesType: parsed.sesType, events: parsed.events.length };
}

/**
 * AWS signed it, so it is kept, not refused: SNS would never redeliver a 4xx, and retrying garbage helps nothing.
 * Only when it cannot be stored is the answer a 503, so that SNS tries again later.
 */
async function keepAsDeadLetter(env: Env, message: SnsNotification, reason: string): Promise<void> {
  const receivedAt = Date.now();
  const sentAt = Date.parse(message.Timestamp);
  try {
    await insertDeadLetters(database(env.DB), [
      {
        messageId: `sns:${message.MessageId}`,
        queue: SNS_DEAD_LETTER_SOURCE,
        body: JSON.stringify(message),
        attempts: 1,
        enqueuedAt: Number.isFinite(sentAt) ? sentAt : receivedAt,
        reason,
        receivedAt,
        // It carries no events: replay could never store anything from it, so it waits for a person, not the cron.
        status: "held",
      },
    ]);
  } catch (err) {
    log.error("sns dead letter not stored", { messageId: message.MessageId, topicArn: message.TopicArn, ...errorFields(err) });
    throw new AppError("unavailable", "the message could not be stored; try again");
  }
}
