// Recording the events of mail that went out: through the events queue, or straight into D1 when the queue refuses.

import type { TrackingEvent } from "../domain/events";
import { applyEvents } from "./apply";
import { errorFields, log } from "../lib/log";
import { enqueueEvents } from "./enqueue";

/**
 * Never throws: the mail is out, so a failure here must not make the caller send it again. The queue is the
 * usual path; when it refuses, the events go through the consumer's own apply path (idempotent on event id,
 * so SES's Send event or a later replay adds nothing), and `sent` still counts every mail that went out.
 */
export async function recordSendEvents(env: Env, events: TrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await enqueueEvents(env.EVENTS, events);
    return;
  } catch (err) {
    log.error("send events not enqueued; storing them directly", { ids: events.map((e) => e.id), ...errorFields(err) });
  }
  try {
    await applyEvents(env, events);
  } catch (err) {
    // Both doors shut: the events are logged whole so they can be replayed from the logs.
    log.error("send events not stored", { events, ...errorFields(err) });
  }
}
