// Instrumenting the ~100 KB newsletter (test/fixtures/newsletter.html) inside workerd, against two baselines, and
// where the time goes.
//
// Run by `npm run bench` through vitest.bench.config.ts. Variants, same document, same runs:
// - instrumentHtml with opens and clicks (every trackable link signed, plus the pixel and the honeypot);
// - instrumentHtml with clicks off (the same rewriter and handlers, only the pixel is signed);
// - the document through an HTMLRewriter with no handlers (parsing and re-emitting 100 KB, nothing else).
// The ratios show what signing links costs on top of streaming the HTML through HTMLRewriter.
//
// Steps, timed alone in the same runs over the same document's links, with the code instrumentHtml runs (issue #16
// asked where the time goes): the document through an HTMLRewriter whose <a> handler does nothing (what calling a
// handler per link costs); reading each href's destination, alone and then with each token's payload checked and
// encoded, link by link as the handler does; the
// two WebCrypto calls a version-2 token costs (HMAC-SHA256 for the synthetic IV, then AES-256-GCM: the calls
// token-v2.ts's sealEncodedV2 makes, on the same bytes); base64url; and sealing every link's token one at a time,
// each awaited, against all of them at once (whether concurrency buys anything inside workerd).
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import newsletter from "../../test/fixtures/newsletter.html?raw";
import { decodeBase64Url, encodeBase64Url } from "../../src/lib/base64url";
import { instrumentHtml, type InstrumentOptions, trackableDestination } from "../../src/tracking/instrument";
import { keyRing } from "../../src/config/tracking-keys";
import { finishToken, type PreparedToken, recipientTokens, signToken } from "../../src/tracking/token";
import { benchLine, clockFacts, iterationsFor, rotated, timeIterations } from "./timing";

const RUNS = 5;
const TARGET_MS = 600;
/** The steps are parts of one document's work: shorter batches keep the whole file under a minute. */
const STEP_TARGET_MS = 300;

type Base = Omit<InstrumentOptions, "track">;

/** The steps' inputs, from the document as instrumentHtml reads it; checked against what it signs. */
async function stepInputs({ ring, campaignId, contact }: Base, trackedLinks: number) {
  // The document's hrefs as the rewriter reads them, its tracked links' payloads, encoded.
  const hrefs: string[] = [];
  const collect = new HTMLRewriter().on("a", {
    element: (el) => {
      const href = el.getAttribute("href");
      if (href !== null && !el.hasAttribute("data-no-track") && !el.hasAttribute("ses:no-track")) hrefs.push(href);
    },
  });
  await collect.transform(new Response(newsletter)).text();
  const clicks = hrefs
    .map(trackableDestination)
    .filter((url): url is string => url !== null)
    .map((url, linkIndex) => ({ url, linkIndex }));
  expect(clicks).toHaveLength(trackedLinks);
  // As the <a> handler does it, link by link: the destination read, then the payload checked and encoded (whose URL
  // gate finds the destination it was just given already normalised when the href was written in normal form).
  const prepare = () => {
    const tokenFor = recipientTokens({ campaignId, contact }, ring);
    const out: PreparedToken[] = [];
    for (const href of hrefs) {
      const url = trackableDestination(href);
      if (url !== null) out.push(tokenFor("click", { url, linkIndex: out.length }));
    }
    return out;
  };
  const prepared = prepare();
  const key = ring.keys.get(ring.signingKeyId)!;
  const sealed = await Promise.all(prepared.map((p) => finishToken(p, ring)));
  expect(sealed[7]).toBe(await signToken({ kind: "click", campaignId, contact, ...clicks[7]! }, ring));
  const ivs = await Promise.all(prepared.map(async (p) => new Uint8Array(await crypto.subtle.sign("HMAC", key.siv, p.macInput), 0, 12)));
  const tokenBytes = sealed.map((token) => decodeBase64Url(token)!);
  return { hrefs, prepare, prepared, key, ivs, tokenBytes };
}

/** Each step of one document's instrumentation, alone. */
function stepWork(
  { ring }: Base,
  { hrefs, prepare, prepared, key, ivs, tokenBytes }: Awaited<ReturnType<typeof stepInputs>>,
): Record<string, () => Promise<unknown>> {
  return {
    emptyHandler: () =>
      new HTMLRewriter()
        .on("a", { element: () => {} })
        .transform(new Response(newsletter))
        .text(),
    destinations: async () => hrefs.map(trackableDestination),
    destinationsAndPayloads: async () => prepare(),
    hmac: () => Promise.all(prepared.map((p) => crypto.subtle.sign("HMAC", key.siv, p.macInput))),
    aesGcm: () =>
      Promise.all(
        prepared.map((p, i) =>
          crypto.subtle.encrypt(
            { name: "AES-GCM", iv: ivs[i]!, additionalData: p.macInput.subarray(0, 2), tagLength: 128 },
            key.aead,
            p.macInput.subarray(2),
          ),
        ),
      ),
    base64url: async () => tokenBytes.map((bytes) => encodeBase64Url(bytes)),
    sealOneAtATime: async () => {
      for (const p of prepared) await finishToken(p, ring);
    },
    sealAllAtOnce: () => Promise.all(prepared.map((p) => finishToken(p, ring))),
  };
}

it(`instrumentation: ${RUNS} runs of ~${TARGET_MS} ms per variant, and its steps`, { timeout: 600_000 }, async () => {
  const base: Base = {
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

  const inputs = await stepInputs(base, full.stats.trackedLinks);
  const variants: Record<string, () => Promise<unknown>> = {
    instrument: () => instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: true, honeypot: true } }),
    instrumentNoClicks: () => instrumentHtml(newsletter, { ...base, track: { opens: true, clicks: false, honeypot: false } }),
    rewriterNoHandlers: () => new HTMLRewriter().transform(new Response(newsletter)).text(),
  };
  const steps = stepWork(base, inputs);
  const iterations: Record<string, number> = {};
  for (const [name, work] of Object.entries(variants)) iterations[name] = await iterationsFor(TARGET_MS, work);
  for (const [name, work] of Object.entries(steps)) iterations[name] = await iterationsFor(STEP_TARGET_MS, work);

  const all = { ...variants, ...steps };
  const ms: Record<string, number[]> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const name of rotated(Object.keys(all), run)) {
      (ms[name] ??= []).push((await timeIterations(iterations[name]!, all[name]!)) / iterations[name]!);
    }
  }
  const pick = (names: Record<string, unknown>) => Object.fromEntries(Object.keys(names).map((k) => [k, ms[k]!]));
  benchLine("instrument", {
    bytes: new TextEncoder().encode(newsletter).length,
    trackedLinks: full.stats.trackedLinks,
    hrefs: inputs.hrefs.length,
    runs: RUNS,
    iterations,
    clock: await clockFacts(),
    msPerDocument: pick(variants),
    msPerStep: pick(steps),
  });
});
