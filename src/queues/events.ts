// The events queue consumer: a whole batch in one pass, falling back to message-by-message on failure.

import { readEnvelope, type TrackingEvent } from "../domain/events";
import { applyEvents } from "../pipeline/apply";
import { storeDeadLetter } from "./dead-letters";
import { retryLater } from "./retry";
import { settleEach } from "../lib/isolate";
import { EVENTS_RETRY, isLastAttempt } from "../config/queues";
import { errorFields, log } from "../lib/log";

type Parsed = { message: Message<unknown>; events: TrackingEvent[] };

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const parsed: Parsed[] = [];
  for (const message of batch.messages) {
    const body = readEnvelope(message.body);
    if (body.ok) {
      parsed.push({ message, events: body.value.events });
      continue;
    }
    // A body that is not an envelope will never become one: keep it with what is wrong, and stop redelivery.
    try {
      await storeDeadLetter(env, batch.queue, message, body.reason);
      message.ack();
    } catch (err) {
      retryLogged(message, "dead letter not stored", err);
    }
  }

  // One bad message must not hold back the rest: on failure each is applied alone, and only failures retry.
  const { done, failed } = await settleEach(
    parsed,
    (items) =>
      applyEvents(
        env,
        items.flatMap((p) => p.events),
      ),
    (err) =>
      logFailure(
        "batch failed, isolating messages",
        parsed.map((p) => p.message),
        err,
      ),
  );
  for (const p of done) p.message.ack();
  for (const { item, error } of failed) retryLogged(item.message, "message failed, will retry", error);
  // One line a batch: how many events each message carried (the edge packs them, src/pipeline/pack-events.ts).
  log.info("events batch consumed", { messages: parsed.length, events: parsed.reduce((n, p) => n + p.events.length, 0), failed: failed.length });
}

/**
 * Retried with a growing delay for as long as EVENTS_RETRY lasts (two hours), so an outage of D1 or of the
 * counters loses nothing: storing and counting are idempotent on event ids, so every retry is safe.
 */
function retryLogged(message: Message<unknown>, msg: string, err: unknown): void {
  const last = isLastAttempt(EVENTS_RETRY, message.attempts);
  logFailure(last ? `${msg}; retries exhausted, goes to the dead-letter queue` : msg, [message], err);
  retryLater(message, EVENTS_RETRY);
}

function logFailure(msg: string, messages: Message<unknown>[], err: unknown): void {
  log.error(msg, { messages: messages.map((m) => m.id), attempts: messages.map((m) => m.attempts), ...errorFields(err) });
}
