// The instrumentation part of docs/BENCHMARKS.md: the newsletter through `instrumentHtml`, where its time goes, and how
// in-runtime figures are timed.
import type { BenchResults } from "./latest-results.ts";
import { n, s } from "./report-format.ts";
import type { Summary } from "./stats.ts";
import type { InstrumentResult } from "./workerd.ts";

const INSTRUMENT_NAMES: Record<string, string> = {
  instrument: "`instrumentHtml`, opens and clicks (every trackable link signed)",
  instrumentNoClicks: "`instrumentHtml`, clicks off (same rewriter, only the pixel signed)",
  rewriterNoHandlers: "`HTMLRewriter` with no handlers (baseline: parse and re-emit)",
};

function instrumentTable(i: InstrumentResult): string {
  return [
    "| pass over the newsletter | documents per batch | ms per document | MB/s | ÷ no-handler rewriter |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(i.msPerDocument).map(([k, v]) => {
      const mbs = { ...v, median: i.bytes / 1e6 / (v.median / 1000), min: i.bytes / 1e6 / (v.max / 1000), max: i.bytes / 1e6 / (v.min / 1000) };
      const ratio = i.ratioToRewriter[k]!;
      return `| ${INSTRUMENT_NAMES[k] ?? k} | ${n(i.iterations[k] ?? 0)} | ${s(v, 2)} | ${s(mbs, 1)} | ${k === "rewriterNoHandlers" ? "1" : `**${s(ratio, 1)}**`} |`;
    }),
  ].join("\n");
}

/** Issue #16: the newsletter, opens and clicks, instrumented in under this many ms (median). */
const INSTRUMENT_GOAL_MS = 5;

const INSTRUMENT_STEPS: Record<string, string> = {
  emptyHandler: "the document through `HTMLRewriter` with an `<a>` handler that does nothing",
  destinations: "reading each href's destination (`trackableDestination`: entities, placeholders, the URL parsed)",
  destinationsAndPayloads: "the same, each followed by checking and encoding its token's payload (`recipientTokens`), as the `<a>` handler does",
  hmac: "HMAC-SHA256 for each token's synthetic IV (one WebCrypto call per link)",
  aesGcm: "AES-256-GCM sealing each token (one WebCrypto call per link)",
  base64url: "base64url of each token",
  sealOneAtATime: "every link's token sealed one at a time, each awaited (HMAC, AES-GCM, base64url), as `instrumentHtml` does",
  sealAllAtOnce: "every link's token sealed at once (`Promise.all`)",
};

function instrumentGoal(i: InstrumentResult): string {
  const median = i.msPerDocument.instrument?.median ?? Number.NaN;
  return `**Goal (issue #16): the newsletter instrumented with opens and clicks in under ${INSTRUMENT_GOAL_MS} ms, median: ${median < INSTRUMENT_GOAL_MS ? "met" : "not met"} (${n(median, 2)} ms in this run).**`;
}

function instrumentStepsTable(i: InstrumentResult, steps: Record<string, Summary>): string {
  const perLink = (v: Summary) => ({
    ...v,
    median: (v.median * 1000) / i.trackedLinks,
    min: (v.min * 1000) / i.trackedLinks,
    max: (v.max * 1000) / i.trackedLinks,
  });
  return [
    `| step, over the newsletter's ${i.hrefs === undefined ? "" : `${i.hrefs} hrefs read, `}${i.trackedLinks} tracked links | ms per document | µs per tracked link |`,
    "| --- | ---: | ---: |",
    ...Object.entries(steps).map(([k, v]) => `| ${INSTRUMENT_STEPS[k] ?? k} | ${s(v, 2)} | ${k === "emptyHandler" ? "" : s(perLink(v), 1)} |`),
  ].join("\n");
}

/** The per-step split and what it says, from this run's medians. */
function instrumentLimits(i: InstrumentResult): string {
  const steps = i.msPerStep;
  if (!steps) return "_The per-step split was not measured in this run (its results predate issue #16)._";
  const m = (name: string, from: Record<string, Summary> = steps) => from[name]?.median ?? Number.NaN;
  const full = m("instrument", i.msPerDocument);
  const parse = m("rewriterNoHandlers", i.msPerDocument);
  // Parts that add up to the whole document's median (each timed alone, so the sum is approximate).
  const parts: Array<[string, number]> = [
    ["parsing and re-emitting the document (`HTMLRewriter`, no handlers)", parse],
    ["calling an `<a>` handler for each link (a handler that does nothing, less no handlers)", m("emptyHandler") - parse],
    ["sealing every token (HMAC-SHA256, AES-256-GCM, base64url; one after another)", m("sealOneAtATime")],
    ["reading the hrefs' destinations, checking and encoding the payloads", m("destinationsAndPayloads")],
    [
      "the rest: the handlers' own work (attributes read and written, the body's pixel and honeypot), putting the tokens in place",
      full - m("emptyHandler") - m("sealOneAtATime") - m("destinationsAndPayloads"),
    ],
  ];
  parts.sort((a, b) => b[1] - a[1]);
  const shares = [
    `| part of \`instrumentHtml\` (opens and clicks), largest first | ms per document | share |`,
    "| --- | ---: | ---: |",
    ...parts.map(([label, ms]) => `| ${label} | ${n(ms, 2)} | ${n((ms / full) * 100)}% |`),
    `| **the whole document** | **${n(full, 2)}** | 100% |`,
  ].join("\n");
  const us = (name: string) => n((m(name) * 1000) / i.trackedLinks, 1);
  const together = m("sealAllAtOnce") / m("sealOneAtATime");
  return `${instrumentStepsTable(i, steps)}

${shares}

**What limits us.** Two parts are fixed by what instrumentation is built on. Every \`<a>\` costs a call from the
Workers \`HTMLRewriter\` into a JavaScript handler, whatever the handler does. Every tracked link costs two WebCrypto calls, which the
token format fixes (src/tracking/token-v2.ts): HMAC-SHA256 for the synthetic IV at ${us("hmac")} µs and AES-256-GCM at ${us("aesGcm")} µs per
link, far more than hashing or encrypting about 100 bytes takes, so it is the price of the call itself. Reading a destination parses
its URL; the token's own gate parses it again only when the href was not written in normal form (src/tracking/token-payload.ts
remembers the last answer), so every token stays exactly what it was.
Sealing a document's tokens all at once takes ${n(together, 2)}× the time of sealing them one at a time, each awaited${together > 0.9 ? ": concurrency buys nothing, because workerd's WebCrypto does its work when it is called, so `instrumentHtml` seals them one after another" : ""}. What made
instrumentation faster (issue #16): tokens are sealed once the rewrite is over rather than inside each link's handler
(src/tracking/token-placeholders.ts says why), payloads are encoded straight into one buffer with the recipient's fields once per
document, and base64url is the runtime's own encoder; the payload encoding and the base64url had cost about as much as the
cryptography.`;
}

/** Instrumentation, its split by step, and timing inside workerd. */
export function instrumentSection(r: BenchResults): string {
  return `## Instrumentation: a ~100 KB newsletter

\`test/fixtures/newsletter.html\` (${n(r.instrument.bytes)} bytes, ${r.instrument.trackedLinks} tracked links) instrumented with
\`instrumentHtml\` (src/tracking/instrument.ts) inside workerd (bench/workerd/instrument.bench-test.ts), against two
baselines in the same runs: the same call with clicks off, and an \`HTMLRewriter\` with no handlers. Each variant's
output is checked once first (links signed, pixel present; the no-handler pass returns the input unchanged).
${r.instrument.runs} runs; in each, every variant instruments the document back to back for about 600 ms (the batch size
below, fixed from a short trial), in rotated order; the ratio is computed per run, then summarised.

${instrumentTable(r.instrument)}

${instrumentGoal(r.instrument)}

### Where the time goes

Each step below is timed alone, in the same runs and rotation as the table above, with the code \`instrumentHtml\` runs on the
same document's links (bench/workerd/instrument.bench-test.ts); batches of about 300 ms.

${instrumentLimits(r.instrument)}

### Timing inside workerd

workerd may hold its clock still while JavaScript runs and move it only at I/O (Cloudflare's edge does). So every
in-runtime figure here (instrumentation, SNS verification, pipeline, tokens) is read just after an awaited
I/O completion, a trivial D1 query (\`SELECT 1\`), at the start and at the end of a batch of many iterations: the end
reading is taken after all the work, whatever the clock did meanwhile. Measured in this run: the clock
${r.instrument.clock.movesWithoutIo ? "did move" : "did **not** move"} during ~50 ms of pure computation, in steps of ${n(r.instrument.clock.stepMs)} ms; the anchor query took
${n(r.instrument.clock.anchorMs, 1)} ms (median). A batch lasts ≥ ~600 ms (instrumentation) or ~1 s (SNS verification), so clock steps and
anchor add at most about ${n(((r.instrument.clock.stepMs + r.instrument.clock.anchorMs) / 600) * 100, 1)}% to a figure.`;
}
