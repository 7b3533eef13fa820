// Worker entry: HTTP through the Hono app (src/routes/), queue batches to their consumers (src/queues/), cron
// triggers to the scheduled jobs (src/cron/), and the Durable Object classes (src/objects/).

import { runScheduled } from "./cron/schedule";
import { consumeQueue } from "./queues/dispatch";
import { app } from "./routes/app";

export { CampaignStats } from "./objects/campaign-stats";
export { AccountGuard } from "./objects/account-guard";
export { AccountCounters } from "./objects/account-counters";
export { QUEUE_CONSUMERS } from "./queues/dispatch";

export default {
  fetch: app.fetch,
  queue: (batch, env, _ctx) => consumeQueue(batch, env),
  scheduled: (controller, env, _ctx) => runScheduled(controller, env),
} satisfies ExportedHandler<Env, unknown>;
