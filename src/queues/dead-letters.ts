// The dead-letter queue consumer: everything that exhausted its retries is kept in D1, once, and never dropped unstored.

import { config } from "../config/config";
import { database } from "../db/client";
import { insertDeadLetters, type NewDeadLetter } from "../db/dead-letters";
import type { DeadLetterStatus } from "../db/schema";
import { readEnvelope } from "../domain/events";
import { storedIp } from "../domain/ip";
import { settleEach } from "../lib/isolate";
import { DEAD_LETTER_RETRY, isLastAttempt, SEND_DLQ } from "../config/queues";
import { markSendTasksDeadLettered } from "../sending/dead-lettered";
import { errorFields, log } from "../lib/log";
import { retryLater } from "./retry";

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

/**
 * Dead letters are stored even while a variable is malformed (nothing else would keep them): then whole addresses
 * are not kept, the stricter choice.
 */
function keepsFullIp(env: Env): boolean {
  try {
    return config(env).privacy.storeFullIp;
  } catch {
    return false;
  }
}

/** An event envelope is kept as events are stored: client addresses cut to their network unless STORE_FULL_IP. */
export function storableBody(body: unknown, storeFullIp: boolean): unknown {
  const read = storeFullIp ? null : readEnvelope(body);
  if (!read?.ok) return body;
  return { ...read.value, events: read.value.events.map((e) => (e.ip == null ? e : { ...e, ip: storedIp(e.ip, false) })) };
}

function deadLetterRow(queue: string, message: Message<unknown>, reason: string, storeFullIp: boolean): NewDeadLetter {
  return {
    messageId: message.id,
    queue,
    body: bodyText(storableBody(message.body, storeFullIp)),
    attempts: message.attempts,
    enqueuedAt: message.timestamp.getTime(),
    reason,
    status: deadLetterStatus(message.body),
  };
}

function storeDeadLetters(env: Env, queue: string, messages: readonly Message<unknown>[], reason: string): Promise<void> {
  const storeFullIp = keepsFullIp(env);
  return insertDeadLetters(
    database(env.DB),
    messages.map((m) => deadLetterRow(queue, m, reason, storeFullIp)),
  );
}

/** Keep one message that can never be applied (it is stored once, however often it comes). */
export function storeDeadLetter(env: Env, queue: string, message: Message<unknown>, reason: string): Promise<void> {
  return storeDeadLetters(env, queue, [message], reason);
}

/**
 * A message is acknowledged only once its row is in D1 (and, for a send task, its recipient is `dead_lettered`). One that cannot be stored (D1 down) is retried with a
 * growing delay for as long as DEAD_LETTER_RETRY lasts (two days); there is no queue after this one, so on its
 * last attempt its whole body goes to the log, the one place left to recover it from.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const { done, failed } = await settleEach(batch.messages, async (messages) => {
    await storeDeadLetters(env, batch.queue, messages, "retries exhausted");
    // After the row is kept: a failure here retries the message, whose row is then stored once still.
    if (batch.queue === SEND_DLQ)
      await markSendTasksDeadLettered(
        env,
        messages.map((m) => m.body),
      );
  });
  for (const message of done) message.ack();
  for (const { item: message, error } of failed) {
    const last = isLastAttempt(DEAD_LETTER_RETRY, message.attempts);
    log.error(last ? "dead letter not stored on its last attempt: Queues drops it now" : "dead letter not stored, will retry", {
      queue: batch.queue,
      message: message.id,
      attempts: message.attempts,
      ...errorFields(error),
      ...(last ? { body: bodyText(storableBody(message.body, keepsFullIp(env))) } : {}),
    });
    retryLater(message, DEAD_LETTER_RETRY);
  }
}
