// Worker entry: HTTP through the Hono app, queue batches to their consumers, and the Durable Object classes.

import { app } from "./app";
import { suppressionConfig } from "./config";
import { database } from "./db/client";
import { syncPendingSuppressions } from "./ses/suppression-sync";
import { consumeDeadLetters } from "./pipeline/dead-letters";
import { consumeEvents } from "./pipeline/consumer";
import { replayOnSchedule } from "./pipeline/replay";
import { EVENTS_DLQ, SEND_DLQ, SEND_QUEUE } from "./pipeline/queues";
import { consumeSends } from "./sending/consumer";

export { CampaignStats } from "./stats/campaign-stats";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === EVENTS_DLQ || batch.queue === SEND_DLQ) return consumeDeadLetters(batch, env);
    if (batch.queue === SEND_QUEUE) return consumeSends(batch, env);
    return consumeEvents(batch, env);
  },
  async scheduled(_controller, env, _ctx) {
    // Replays dead-lettered events once D1 and the counters answer again (logs, never throws).
    await replayOnSchedule(env);
    // Retries mirroring what failed inline (SES down, throttled) until it goes through.
    if (suppressionConfig(env).syncToSes) await syncPendingSuppressions(env, database(env.DB));
  },
} satisfies ExportedHandler<Env, unknown>;
