// Bench-only worker entry (`npm run bench`, stats read latency): the production worker unchanged, plus one route that
// fills a campaign's CampaignStats object with generated events through its own record() RPC.
//
// Started only by bench/stats-read.ts as `wrangler dev bench/workerd/stats-seed-worker.ts` (the production
// wrangler.toml, this file as its entry); `wrangler deploy` builds src/index.ts, so the route never ships. Seeding
// through the real path (POST /sns or the pixel, the queue, D1) would take hours for a million events on 2 cores.
import worker from "../../src/index";
import { campaignStats } from "../../src/objects/stats-client";
import { SEED_PATH, seedEvent, type SeedRequest } from "./stats-seed";

// A worker module may export only handlers and classes: the generator lives in ./stats-seed.ts.
export { AccountGuard, CampaignStats } from "../../src/index";

export default {
  ...worker,
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== SEED_PATH || request.method !== "POST") return worker.fetch(request, env, ctx);
    if (request.headers.get("authorization") !== `Bearer ${env.API_TOKEN}`) return new Response("unauthorized", { status: 401 });
    const req = (await request.json()) as SeedRequest;
    const stub = campaignStats(env.CAMPAIGN_STATS, req.campaignId);
    let applied = 0;
    for (let at = req.from; at < req.from + req.count; at += req.chunk) {
      const size = Math.min(req.chunk, req.from + req.count - at);
      applied += (await stub.record(Array.from({ length: size }, (_, k) => seedEvent(req, at + k)))).applied;
    }
    return Response.json({ applied });
  },
} satisfies ExportedHandler<Env>;
