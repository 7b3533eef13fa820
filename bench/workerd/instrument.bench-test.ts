// Instrumenting the ~100 KB newsletter (test/fixtures/newsletter.html) inside workerd, against two baselines.
//
// Run by `npm run bench` through vitest.bench.config.ts. Variants, same document, same runs:
// - instrumentHtml with opens and clicks (every trackable link signed: one HMAC per link, plus the pixel);
// - instrumentHtml with clicks off (the same rewriter and handlers, only the pixel is signed);
// - the document through an HTMLRewriter with no handlers (parsing and re-emitting 100 KB, nothing else).
// The ratios show what signing links costs on top of streaming the HTML through HTMLRewriter.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import newsletter from "../../test/fixtures/newsletter.html?raw";
import { instrumentHtml, type InstrumentOptions } from "../../src/tracking/instrument";
import { keyRing } from "../../src/tracking/keys";
import { benchLine, clockFacts, iterationsFor, rotated, timeIterations } from "./timing";

const RUNS = 5;
const TARGET_MS = 600;

it(`instrumentation: ${RUNS} runs of ~${TARGET_MS} ms per variant`, { timeout: 600_000 }, async () => {
  const base: Omit<InstrumentOptions, "track"> = {
    origin: "https://track.example.com",
    ring: await keyRing(env.TRACKING_KEYS),
    campaignId: "newsletter-42",
    contact: "ann@example.com",
  };
  const full = await instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: true, honeypot: true } });
  const pixelOnly = await instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: false, honeypot: false } });
  // Proof that the timed work is the real work: links signed, pixel in, and the no-op pass changes nothing.
  expect(full.stats.trackedLinks).toBeGreaterThan(150);
  expect(full.stats.pixel).toBe(true);
  expect(pixelOnly.stats).toEqual({ trackedLinks: 0, pixel: true, honeypot: false });
  expect(await new HTMLRewriter().transform(new Response(newsletter)).text()).toBe(newsletter);

  const variants: Record<string, () => Promise<unknown>> = {
    instrument: () => instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: true, honeypot: true } }),
    instrumentNoClicks: () => instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: false, honeypot: false } }),
    rewriterNoHandlers: () => new HTMLRewriter().transform(new Response(newsletter)).text(),
  };
  const iterations: Record<string, number> = {};
  for (const [name, work] of Object.entries(variants)) iterations[name] = await iterationsFor(TARGET_MS, work);

  const msPerDocument: Record<string, number[]> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const name of rotated(Object.keys(variants), run)) {
      const ms = await timeIterations(iterations[name]!, variants[name]!);
      (msPerDocument[name] ??= []).push(ms / iterations[name]!);
    }
  }
  benchLine("instrument", {
    bytes: new TextEncoder().encode(newsletter).length,
    trackedLinks: full.stats.trackedLinks,
    runs: RUNS,
    iterations,
    clock: await clockFacts(),
    msPerDocument,
  });
});
