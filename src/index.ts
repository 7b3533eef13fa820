// Worker entry: HTTP through the Hono app, queue batches to their consumers.

import { app } from "./app";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { consumeEvents } from "./pipeline/consumer";
import { EVENTS_DLQ } from "./pipeline/queues";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === EVENTS_DLQ) return consumeDeadLetters(batch, env);
    return consumeEvents(batch, env);
  },
} satisfies ExportedHandler<Env, unknown>;
