// Version-2 tokens (AES-256-GCM) against version 1 (HMAC-SHA256), inside workerd, same run: verify alone, and the
// whole pixel and click request paths through the worker.
//
// Run alone with `npx vitest run --config vitest.bench.config.ts bench/workerd/tokens.bench-test.ts` (`npm run bench`
// runs it with the others). Variants, alternating within each run (rotated() so none always goes first):
// - verifyToken on an open token and on a click token with a 60-character destination, version 1 and version 2;
// - GET /o/<token>.gif and GET /c/<token> through the worker's fetch handler: verify, the event, the redirect or GIF.
//   The events queue is a recording stub, so the figure is the request's own CPU work, not a queue round trip.
// The timed batches contain no I/O: each figure is CPU time of the one JavaScript thread, read between two anchored
// clock readings (timing.ts). The ratio is taken per run (version 2 ÷ version 1 of the same run), so load from other
// processes on the machine affects both sides alike.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../src/index";
import { keyRing } from "../../src/config/tracking-keys";
import { clickPath, pixelPath } from "../../src/tracking/links";
import { signToken, verifyToken, type TokenPayload, type TokenVersion } from "../../src/tracking/token";
import { ORIGIN, recordingQueue } from "../../test/support/helpers";
import { benchLine, clockFacts, iterationsFor, rotated, timeIterations } from "./timing";

const RUNS = 25;
const TYPICAL_ORIGIN = "https://track.example.com";
const TARGET_MS = 100;
/** Distinct tokens cycled through, so no cache of any kind sees the same one twice in a row. */
const TOKENS = 64;
/** Calls in the trial that sizes each batch: long enough (tens of ms) for the clock's coarse steps. */
const TRIAL = 500;

function payloads(kind: "open" | "click"): TokenPayload[] {
  return Array.from({ length: TOKENS }, (_, i) => ({
    kind,
    campaignId: "spring-sale-2026",
    contact: `reader.${i}@example.com`,
    ...(kind === "click" ? { url: `https://www.example-shop.com/products/item-${String(i).padStart(4, "0")}?utm_src=news`, linkIndex: i % 12 } : {}),
  }));
}

it(`tokens: version 2 against version 1, ${RUNS} runs of ~${TARGET_MS} ms per variant`, { timeout: 600_000 }, async () => {
  const ring = await keyRing(env.TRACKING_KEYS);
  const { queue, sent } = recordingQueue();
  const bindings = { ...env, EVENTS: queue };
  const minted = async (kind: "open" | "click", version: TokenVersion) => Promise.all(payloads(kind).map((p) => signToken(p, ring, version)));
  const tokens = {
    open1: await minted("open", 1),
    open2: await minted("open", 2),
    click1: await minted("click", 1),
    click2: await minted("click", 2),
  };
  // The request's own work is timed, not its waitUntil: the edge's queue send waits a few milliseconds for other
  // requests (src/pipeline/send-coalescer.ts), the same for both versions. Each batch's contexts are awaited after it.
  let pending: ExecutionContext[] = [];
  const fetchPath = async (path: string) => {
    const ctx = createExecutionContext();
    pending.push(ctx);
    const res = await worker.fetch(
      new Request(ORIGIN + path, { headers: { "cf-connecting-ip": "198.51.100.7", "user-agent": "Bench/1.0" } }),
      bindings,
      ctx,
    );
    return res.status;
  };
  const settle = async () => {
    const contexts = pending;
    pending = [];
    for (const ctx of contexts) await waitOnExecutionContext(ctx);
  };

  // Proof that the timed work is the real work: every token verifies, and each path answers and records an event.
  for (const list of Object.values(tokens)) for (const t of list) expect((await verifyToken(t, ring)).ok).toBe(true);
  expect(await fetchPath(pixelPath(tokens.open2[0]!))).toBe(200);
  expect(await fetchPath(clickPath(tokens.click2[0]!))).toBe(302);
  await settle();
  expect(sent).toHaveLength(2);
  const clickLength = { v1: tokens.click1[0]!.length, v2: tokens.click2[0]!.length };
  // The median length of a whole click URL on a typical tracking domain, over the 64 recipients (their addresses differ in length).
  const medianUrl = (list: string[]) => list.map((t) => `${TYPICAL_ORIGIN}${clickPath(t)}`.length).sort((a, b) => a - b)[list.length >> 1]!;
  const clickUrlChars = { v1: medianUrl(tokens.click1), v2: medianUrl(tokens.click2), origin: TYPICAL_ORIGIN };

  // Each pair is timed back to back (order swapped every round): the two sides of a ratio see the same machine load.
  const pairs: Record<string, Record<"v1" | "v2", (i: number) => Promise<unknown>>> = {
    verifyOpen: { v1: (i) => verifyToken(tokens.open1[i % TOKENS]!, ring), v2: (i) => verifyToken(tokens.open2[i % TOKENS]!, ring) },
    verifyClick: { v1: (i) => verifyToken(tokens.click1[i % TOKENS]!, ring), v2: (i) => verifyToken(tokens.click2[i % TOKENS]!, ring) },
    pixel: { v1: (i) => fetchPath(pixelPath(tokens.open1[i % TOKENS]!)), v2: (i) => fetchPath(pixelPath(tokens.open2[i % TOKENS]!)) },
    click: { v1: (i) => fetchPath(clickPath(tokens.click1[i % TOKENS]!)), v2: (i) => fetchPath(clickPath(tokens.click2[i % TOKENS]!)) },
  };
  const iterations: Record<string, number> = {};
  for (const [name, pair] of Object.entries(pairs)) {
    iterations[name] = await iterationsFor(TARGET_MS, pair.v1, TRIAL);
    await settle();
  }

  const usPerCall: Record<string, Record<"v1" | "v2", number[]>> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const name of rotated(Object.keys(pairs), run)) {
      for (const side of rotated(["v1", "v2"] as const, run)) {
        sent.length = 0;
        const ms = await timeIterations(iterations[name]!, pairs[name]![side]);
        await settle();
        (usPerCall[name] ??= { v1: [], v2: [] })[side].push((ms * 1000) / iterations[name]!);
      }
    }
  }
  benchLine("tokens", {
    runs: RUNS,
    iterations,
    clock: await clockFacts(),
    clickTokenChars: clickLength,
    clickUrlChars,
    usPerCall,
    ratioV2toV1: Object.fromEntries(Object.entries(usPerCall).map(([name, { v1, v2 }]) => [name, v2.map((us, run) => us / v1[run]!)])),
    // The least-disturbed batch of each side: on a shared machine, the closest a wall clock gets to CPU time.
    ratioOfFastest: Object.fromEntries(Object.entries(usPerCall).map(([name, { v1, v2 }]) => [name, Math.min(...v2) / Math.min(...v1)])),
  });
});
