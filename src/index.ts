// Worker entry: HTTP through the Hono app, queue batches to their consumers, and the Durable Object classes.

import { app } from "./app";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { consumeEvents } from "./pipeline/consumer";
import { EVENTS_DLQ } from "./pipeline/queues";

export { CampaignStats } from "./stats/campaign-stats";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === EVENTS_DLQ) return consumeDeadLetters(batch, env);
    return consumeEvents(batch, env);
  },
} satisfies ExportedHandler<Env, unknown>;
