// The opens and clicks bench/workerd/pipeline-feed-worker.ts puts on the events queue: what the edge would have queued.
import { eventFromToken, requestFacts } from "../../src/tracking/edge-event";
import type { TrackingEvent } from "../../src/domain/events";
import type { TokenPayload } from "../../src/tracking/token";
import { clientAddress } from "../../test/support/traffic";

const AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

/**
 * Event `i` of a run: half opens, half clicks, over 10 campaigns × 100 contacts, each from a network of its own and a
 * browser's agent (so classification does its full work and calls them people), as eventFromToken builds them.
 */
export function feedEvent(runId: string, i: number, now: number): TrackingEvent {
  const kind = i % 2 === 0 ? "open" : "click";
  const payload: TokenPayload = {
    kind,
    campaignId: `bench-pipeline-${i % 10}`,
    contact: `reader${Math.floor(i / 10) % 100}@example.com`,
    ...(kind === "click" ? { url: `https://www.example-shop.com/products/item-${i % 20}?utm_src=news`, linkIndex: i % 20 } : {}),
  };
  const request = new Request("https://track.example/", {
    headers: { "user-agent": AGENT, "cf-connecting-ip": clientAddress(i), accept: "image/avif,image/webp,*/*" },
  });
  return eventFromToken(payload, requestFacts(request, now), `${kind}:${runId}-${i}`);
}
