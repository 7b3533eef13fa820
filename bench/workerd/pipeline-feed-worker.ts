// Bench-only worker entry (`npm run bench`, edge and pipeline): the production worker unchanged, plus one route that
// puts generated opens and clicks on the events queue the way the edge does (one envelope per event, sendBatch).
//
// Started only by bench/edge-pipeline.ts as `wrangler dev bench/workerd/pipeline-feed-worker.ts`; `wrangler deploy`
// builds src/index.ts, so the route never ships. Every other request goes to the production handler after one
// method comparison, so the edge measured through this entry is the production edge.
import worker from "../../src/index";
import { envelope } from "../../src/domain/events";
import { feedEvent } from "./pipeline-feed";
import { FEED_PATH, type FeedRequest } from "./pipeline-feed-route";

// A worker module may export only handlers and classes.
export { AccountGuard, CampaignStats } from "../../src/index";

export default {
  ...worker,
  async fetch(request, env, ctx) {
    if (request.method !== "POST" || new URL(request.url).pathname !== FEED_PATH) return worker.fetch(request, env, ctx);
    if (request.headers.get("authorization") !== `Bearer ${env.API_TOKEN}`) return new Response("unauthorized", { status: 401 });
    const req = (await request.json()) as FeedRequest;
    const now = Date.now();
    const body = (i: number) => envelope([feedEvent(req.runId, i, now)]);
    const step = req.mode === "single" ? 16 : 100;
    for (let at = 0; at < req.count; at += step) {
      const ids = Array.from({ length: Math.min(step, req.count - at) }, (_, k) => at + k);
      if (req.mode === "single") await Promise.all(ids.map((i) => env.EVENTS.send(body(i), { contentType: "json" })));
      else await env.EVENTS.sendBatch(ids.map((i) => ({ body: body(i), contentType: "json" as const })));
    }
    return Response.json({ enqueued: req.count });
  },
} satisfies ExportedHandler<Env>;
