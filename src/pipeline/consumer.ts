// The events queue consumer: a whole batch in one pass, falling back to message-by-message on failure.

import { parseEnvelope, type TrackingEvent } from "../domain/events";
import { applyEvents } from "./apply";
import { storeDeadLetter } from "./dead-letters";
import { retryDelaySeconds } from "./queues";

type Parsed = { message: Message<unknown>; events: TrackingEvent[] };

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const parsed: Parsed[] = [];
  for (const message of batch.messages) {
    const body = parseEnvelope(message.body);
    if (body) {
      parsed.push({ message, events: body.events });
      continue;
    }
    // A body that is not an envelope will never become one: keep it, and stop redelivery.
    try {
      await storeDeadLetter(env, batch.queue, message, "not an event envelope");
      message.ack();
    } catch (err) {
      logFailure("dead letter not stored", [message], err);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
  if (parsed.length === 0) return;

  try {
    await applyEvents(env, parsed.flatMap((p) => p.events));
    for (const p of parsed) p.message.ack();
    return;
  } catch (err) {
    if (parsed.length === 1) {
      retry(parsed[0]!, err);
      return;
    }
    logFailure("batch failed, isolating messages", parsed.map((p) => p.message), err);
  }

  // One bad message must not hold back the rest: each is applied alone, and only failures retry.
  for (const p of parsed) {
    try {
      await applyEvents(env, p.events);
      p.message.ack();
    } catch (err) {
      retry(p, err);
    }
  }
}

function retry(p: Parsed, err: unknown): void {
  logFailure("message failed, will retry", [p.message], err);
  p.message.retry({ delaySeconds: retryDelaySeconds(p.message.attempts) });
}

function logFailure(msg: string, messages: Message<unknown>[], err: unknown): void {
  console.error(JSON.stringify({ msg, messages: messages.map((m) => m.id), attempts: messages.map((m) => m.attempts), error: String(err) }));
}
