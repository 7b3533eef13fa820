// The dead-letter queue consumer: everything that exhausted its retries is kept in D1, once, and never dropped unstored.

import { insertDeadLetters, type NewDeadLetter } from "../db/dead-letters";
import type { DeadLetterStatus } from "../db/schema";
import { readEnvelope } from "../domain/events";
import { settleEach } from "./isolate";
import { backoffSeconds, DEAD_LETTER_RETRY, isLastAttempt } from "./queues";
import { log } from "../log";

export function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    return String(body);
  }
}

/**
 * Only event envelopes wait for replay: replaying one stores events and counts them, which can never send an
 * email. Anything else (a send task above all: replaying it could mail someone twice) is held, to be read.
 */
export function deadLetterStatus(body: unknown): DeadLetterStatus {
  return readEnvelope(body).ok ? "pending" : "held";
}

function deadLetterRow(queue: string, message: Message<unknown>, reason: string): NewDeadLetter {
  return {
    messageId: message.id,
    queue,
    body: bodyText(message.body),
    attempts: message.attempts,
    enqueuedAt: message.timestamp.getTime(),
    reason,
    status: deadLetterStatus(message.body),
  };
}

function storeDeadLetters(env: Env, queue: string, messages: readonly Message<unknown>[], reason: string): Promise<void> {
  return insertDeadLetters(
    env.DB,
    messages.map((m) => deadLetterRow(queue, m, reason)),
  );
}

/** Keep one message that can never be applied (it is stored once, however often it comes). */
export function storeDeadLetter(env: Env, queue: string, message: Message<unknown>, reason: string): Promise<void> {
  return storeDeadLetters(env, queue, [message], reason);
}

/**
 * A message is acknowledged only once its row is in D1. One that cannot be stored (D1 down) is retried with a
 * growing delay for as long as DEAD_LETTER_RETRY lasts (two days); there is no queue after this one, so on its
 * last attempt its whole body goes to the log, the one place left to recover it from.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { done, failed } = await settleEach(batch.messages, (messages) => storeDeadLetters(env, batch.queue, messages, "retries exhausted"));
  for (const message of done) message.ack();
  for (const { item: message, error } of failed) {
    const last = isLastAttempt(DEAD_LETTER_RETRY, message.attempts);
    log.error(last ? "dead letter not stored on its last attempt: Queues drops it now" : "dead letter not stored, will retry", {
      queue: batch.queue,
      message: message.id,
      attempts: message.attempts,
      error: String(error),
      ...(last ? { body: bodyText(message.body) } : {}),
    });
    message.retry({ delaySeconds: backoffSeconds(DEAD_LETTER_RETRY, message.attempts) });
  }
}
