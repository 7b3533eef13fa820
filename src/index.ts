// Worker entry: HTTP through the Hono app, queue batches to their consumers.

import { app } from "./app";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { consumeEvents } from "./pipeline/consumer";
import { EVENTS_DLQ, SEND_DLQ, SEND_QUEUE } from "./pipeline/queues";
import { consumeSends } from "./sending/consumer";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === EVENTS_DLQ || batch.queue === SEND_DLQ) return consumeDeadLetters(batch, env);
    if (batch.queue === SEND_QUEUE) return consumeSends(batch, env);
    return consumeEvents(batch, env);
  },
} satisfies ExportedHandler<Env, unknown>;
