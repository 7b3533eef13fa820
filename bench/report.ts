// docs/BENCHMARKS.md, generated from a run's measurements: numbers are never typed in by hand.
import type { ClassificationResults } from "./classify-agreement.ts";
import type { CpuResult } from "./cpu.ts";
import type { PipelineCapacity, ProducerCpu } from "./edge-pipeline.ts";
import { classificationSection } from "./report-classification.ts";
import type { PairedResult } from "./http.ts";
import type { Machine } from "./machine.ts";
import type { SnsNodeResult } from "./sns-node.ts";
import type { StatsReadResult } from "./stats-read.ts";
import type { Summary } from "./stats.ts";
import { snsIngestSection } from "./report-sns.ts";
import { storageSection } from "./report-storage.ts";
import type { StorageResults } from "./storage-results.ts";
import type { SnsIngestResult } from "./sns-ingest-results.ts";
import type { InstrumentResult, PipelineResult, SnsVerifyResult, TokensResult } from "./workerd.ts";

type CpuRun = { results: CpuResult[]; idleMsPerSecond: number; ticksPerSecond: number };

export interface BenchResults {
  machine: Machine;
  options: { runs: number; seconds: number; connections: number; cpuRequests: number };
  seconds: number;
  /** Pixel and click against /healthz, the events queue undrained: the edge alone. */
  http: PairedResult[];
  /** CPU per request of the edge alone (undrained). */
  edgeCpu: CpuRun;
  producer: ProducerCpu;
  /** CPU per request of the whole path: the consumer draining, each figure read once D1 holds the events. */
  cpu: CpuRun;
  pipelineCapacity: PipelineCapacity;
  pipeline: PipelineResult;
  instrument: InstrumentResult;
  tokens: TokensResult;
  snsVerify: SnsVerifyResult;
  snsNode: SnsNodeResult;
  statsRead: StatsReadResult;
  /** Load average when the run ended (the start is in `machine`). */
  loadAverageAtEnd: number[];
}

/** The load run's summary (bench/results/load-latest.json), when one was made. */
export interface LoadSummary {
  date: string;
  requests: number;
  concurrency: number;
  validRequests: number;
  invalidRequests: number;
  snsSent: number;
  snsDistinct?: number;
  snsReplayed?: number;
  snsEnqueued?: number;
  snsDuplicate?: number;
  snsWrong?: number;
  snsSeconds?: number;
  outboundFetches?: number;
  countersChecked?: number;
  counterMismatches?: unknown[];
  answeredAsPlanned: number;
  wrongAnswers: number;
  noAnswer: number;
  fireSeconds: number;
  expectedEvents: number;
  storedEvents: number;
  exact: boolean;
  drainSecondsAfterLastAnswer: number;
  deadLetters: number | null;
  /** What the events consumer received (its log line a batch): events per queue message, in all and the edge's. */
  queue?: {
    batches: number;
    messages: number;
    events: number;
    retried: number;
    eventsPerMessage: number | null;
    edgeMessages: number;
    edgeEvents: number;
    edgeEventsPerMessage: number | null;
  };
  passed: boolean;
}

function n(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return "n/a";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" */
function s(sum: Summary, digits = 0): string {
  return `${n(sum.median, digits)} (${n(sum.min, digits)}–${n(sum.max, digits)})`;
}

function httpTable(results: readonly PairedResult[]): string {
  const rows = results.flatMap((r) => [
    `| ${r.route} | ${s(r.tracking.rps)} | ${s(r.tracking.p50, 1)} | ${s(r.tracking.p99, 1)} |`,
    `| ${r.baseline} (same runs) | ${s(r.base.rps)} | ${s(r.base.p50, 1)} | ${s(r.base.p99, 1)} |`,
    `| **ratio** tracking ÷ baseline | **${s(r.ratio.rps, 2)}** | **${s(r.ratio.p50, 2)}** | **${s(r.ratio.p99, 2)}** |`,
  ]);
  return ["| route | req/s | p50 latency (ms) | p99 latency (ms) |", "| --- | ---: | ---: | ---: |", ...rows].join("\n");
}

function cpuTable(cpu: CpuRun): string {
  return [
    "| request | CPU ms per request | minus GET /healthz |",
    "| --- | ---: | ---: |",
    ...cpu.results.map((r) => `| ${r.name} | ${s(r.msPerRequest, 2)} | ${s(r.msOverHealthz, 2)} |`),
  ].join("\n");
}

const PIPELINE_NAMES: Record<string, string> = {
  consumerBatched: "queue consumer, batches of 100 messages (`worker.queue` → `applyEvents`: one D1 batch per queue batch)",
  applyPerEvent: "`applyEvents` once per event (one D1 batch per event)",
  insertPerEvent: "one plain `INSERT` per event (no suppression statements)",
};

function pipelineTable(p: PipelineResult): string {
  const base = p.eventsPerSecond.consumerBatched?.median ?? Number.NaN;
  return [
    "| path | events stored per second | batched ÷ this |",
    "| --- | ---: | ---: |",
    ...Object.entries(p.eventsPerSecond).map(
      ([k, v]) => `| ${PIPELINE_NAMES[k] ?? k} | ${s(v)} | ${k === "consumerBatched" ? "1" : n(base / v.median, 1)} |`,
    ),
  ].join("\n");
}

function snsVerifyTable(r: BenchResults): string {
  const ours = r.snsVerify.verificationsPerSecond;
  const theirs = r.snsNode.verificationsPerSecond;
  return [
    "| verifier | runs in | verifications per second | ÷ sns-validator |",
    "| --- | --- | ---: | ---: |",
    `| \`verifySnsMessage\` (src/sns/verify.ts, WebCrypto) | ${r.machine.workerdVitest} (vitest-pool-workers) | ${s(ours)} | **${n(ours.median / theirs.median, 2)}** |`,
    `| \`sns-validator\` ${r.snsNode.version} (Node \`crypto\`) | Node ${r.machine.node} | ${s(theirs)} | 1 |`,
  ].join("\n");
}

const INSTRUMENT_NAMES: Record<string, string> = {
  instrument: "`instrumentHtml`, opens and clicks (every trackable link signed)",
  instrumentNoClicks: "`instrumentHtml`, clicks off (same rewriter, only the pixel signed)",
  rewriterNoHandlers: "`HTMLRewriter` with no handlers (baseline: parse and re-emit)",
};

const TOKEN_PAIRS: Record<string, string> = {
  verifyOpen: "`verifyToken`, open token",
  verifyClick: "`verifyToken`, click token (60-character destination)",
  pixel: "`GET /o/<token>.gif` through the worker (verify, event, GIF)",
  click: "`GET /c/<token>` through the worker (verify, event, 302)",
};

function tokensTable(t: TokensResult): string {
  return [
    "| work | version 1 (HMAC), µs | version 2 (AES-GCM), µs | version 2 ÷ version 1, per run | fastest ÷ fastest |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(t.usPerCall).map(
      ([k, v]) => `| ${TOKEN_PAIRS[k] ?? k} | ${s(v.v1, 1)} | ${s(v.v2, 1)} | **${s(t.ratioV2toV1[k]!, 2)}** | ${n(t.ratioOfFastest[k]!, 2)} |`,
    ),
  ].join("\n");
}

function tokenLengths(r: BenchResults): string {
  return `${r.tokens.clickTokenChars.v2} characters in version 2, ${r.tokens.clickTokenChars.v1} in version 1`;
}

/** Issue 15's goals: a click URL at most 1.3× as long, verify+decrypt within 1.2× of version 1 on the pixel and click paths. */
function tokenGoals(t: TokensResult): string {
  const lines: string[] = [];
  if (t.clickUrlChars) {
    const ratio = t.clickUrlChars.v2 / t.clickUrlChars.v1;
    lines.push(
      `- Click URL length, median over the 64 recipients, on \`${t.clickUrlChars.origin}\` with a 60-character destination: ${t.clickUrlChars.v1} characters in version 1, ${t.clickUrlChars.v2} in version 2, **${n(ratio, 2)}×** (goal at most 1.3×: ${ratio <= 1.3 ? "**met**" : "**not met**"}).`,
    );
  }
  for (const path of ["pixel", "click"]) {
    const ratio = t.ratioV2toV1[path];
    if (ratio)
      lines.push(
        `- ${TOKEN_PAIRS[path]}: version 2 takes **${n(ratio.median, 2)}×** version 1's time (goal at most 1.2×: ${ratio.median <= 1.2 ? "**met**" : "**not met**"}).`,
      );
  }
  return lines.join("\n");
}

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

function statsTable(st: StatsReadResult): string {
  const row = (c: StatsReadResult["small"]) =>
    `| ${n(c.events)} events, ${n(c.contacts)} contacts | ${n(c.seedSeconds, 1)} s | ${s(c.p50, 2)} | ${s(c.p99, 2)} | ${n(c.reads)} |`;
  return [
    "| campaign | seeding time | p50 latency (ms) | p99 latency (ms) | reads |",
    "| --- | ---: | ---: | ---: | ---: |",
    row(st.small),
    row(st.large),
    `| **ratio** large ÷ small (per round) | | **${s(st.ratio.p50, 2)}** | **${s(st.ratio.p99, 2)}** | |`,
  ].join("\n");
}

function loadSection(load: LoadSummary | null): string {
  if (!load) return "No load run recorded yet: run `npm run load`.";
  return [
    `Last run: ${load.date}, ${n(load.requests)} requests (${n(load.validRequests)} valid pixel/click, ${n(load.invalidRequests)} invalid), ` +
      `${load.concurrency} concurrent, ${n(load.snsSent)} SNS notifications.`,
    "",
    "| check | result |",
    "| --- | --- |",
    `| answered exactly as planned (status, Location) | ${n(load.answeredAsPlanned)} of ${n(load.requests)} (wrong: ${load.wrongAnswers}, no answer: ${load.noAnswer}) |`,
    `| firing time | ${n(load.fireSeconds, 1)} s (${n(load.requests / load.fireSeconds)} req/s) |`,
    `| events stored in D1 after the queue drained | ${n(load.storedEvents)} of ${n(load.expectedEvents)} expected, per campaign and type: **${load.exact ? "exact" : "NOT exact"}** |`,
    `| drained after the last answer | ${n(load.drainSecondsAfterLastAnswer, 1)} s |`,
    ...(load.snsSent > 0
      ? [
          `| SNS posts answered as planned | ${n(load.snsSent)} sent (${n(load.snsDistinct ?? 0)} distinct, ${n(load.snsReplayed ?? 0)} replayed): ${n(load.snsEnqueued ?? 0)} enqueued, ${n(load.snsDuplicate ?? 0)} duplicate, ${load.snsWrong ?? 0} wrong, in ${n(load.snsSeconds ?? 0, 1)} s |`,
          `| the worker's outside fetches | ${load.outboundFetches ?? "n/a"} (its signing certificate, served through miniflare's outboundService) |`,
        ]
      : []),
    `| dead letters | ${load.deadLetters} |`,
    ...(load.queue
      ? [
          `| events per queue message, as the consumer received them | **${n(load.queue.eventsPerMessage ?? Number.NaN, 1)}** in all (${n(load.queue.events)} events in ${n(load.queue.messages)} messages, ${n(load.queue.batches)} batches, ${load.queue.retried} retried); from the edge alone **${n(load.queue.edgeEventsPerMessage ?? Number.NaN, 1)}** (${n(load.queue.edgeEvents)} in ${n(load.queue.edgeMessages)}; each SNS notification is a message of its own) |`,
        ]
      : []),
    ...(load.countersChecked !== undefined
      ? [
          `| campaigns whose served counters equal the SQL recount from D1 | ${load.countersChecked - (load.counterMismatches?.length ?? 0)} of ${load.countersChecked} |`,
        ]
      : []),
    `| verdict | **${load.passed ? "passed" : "FAILED"}** |`,
    ...(load.queue ? ["", packingGoal(load.queue)] : []),
  ].join("\n");
}

/** Issue 24 §5: the edge packs a send window's events into one message, ≥ 20 events a message under this load. */
function packingGoal(q: NonNullable<LoadSummary["queue"]>): string {
  const edge = q.edgeEventsPerMessage ?? 0;
  return `Goal: at least 20 events per queue message from the edge under this load (a send window of \`SEND_WINDOW_MS\` = 25 ms, one isolate): ${edge >= 20 ? "**met**" : "**not met**"} (${n(edge, 1)}). In all, SNS's one message a notification brings it to ${n(q.eventsPerMessage ?? 0, 1)}: with ${n(q.messages - q.edgeMessages)} SNS messages no edge window could lift the whole above ${n(q.events / Math.max(1, q.messages - q.edgeMessages), 1)}, so that needs the SNS route's sends packed too (it would then wait up to a window before answering SNS).`;
}

/** The paired runs' goal (issue 16): tracking ≥ 0.95× the throughput of /healthz, p99 ≤ 1.2× its p99. */
function edgeGoals(r: BenchResults): string {
  const lines = r.http.map((h) => {
    const rps = h.ratio.rps.median;
    const p99 = h.ratio.p99.median;
    const met = rps >= 0.95 && p99 <= 1.2;
    return `- ${h.route}: ${n(rps, 2)}× the throughput of \`GET /healthz\` and ${n(p99, 2)}× its p99: ${met ? "**met**" : "**not met**"}`;
  });
  return ["Goal: at least 0.95× the throughput of `GET /healthz`, and a p99 at most 1.2× its p99 (medians of the per-pair ratios).", ...lines].join(
    "\n",
  );
}

function cpuMethod(r: BenchResults, run: CpuRun): string {
  return `Code cannot time its own CPU in workerd (its clock stands still while JavaScript runs on Cloudflare's edge, and
moves in 1 ms steps of wall time locally), so CPU is measured from outside: utime+stime of every process in the
\`wrangler dev\` tree (both workerd processes and wrangler's Node) from \`/proc/<pid>/stat\` (${run.ticksPerSecond} ticks per second),
before and after ${n(r.options.cpuRequests)} requests (${r.options.connections} at a time, as in the throughput runs), divided by the
requests; ${run.results[0]?.msPerRequest.runs ?? 0} rounds. The column "minus GET /healthz" removes what every request pays (HTTP, the dev proxy, the runtime).
The tree's idle use was ${n(run.idleMsPerSecond, 1)} ms per second. One clock tick is ${n(1000 / run.ticksPerSecond)} ms: over
${n(r.options.cpuRequests)} requests a resolution of ${n(1000 / run.ticksPerSecond / r.options.cpuRequests, 3)} ms per request.`;
}

const cpuOf = (run: CpuRun, prefix: string) => run.results.find((c) => c.name.startsWith(prefix));

function edgeCpuGoal(r: BenchResults): string {
  const rows = [cpuOf(r.edgeCpu, "GET /o/<token> "), cpuOf(r.edgeCpu, "GET /c/<token> ")].filter((c) => c !== undefined);
  return [
    "Goal: the edge path (verify + enqueue) under 0.1 ms of CPU above `GET /healthz`.",
    ...rows.map((c) => `- ${c.name}: ${n(c.msOverHealthz.median, 3)} ms above: ${c.msOverHealthz.median < 0.1 ? "**met**" : "**not met**"}`),
  ].join("\n");
}

function edgeLimits(r: BenchResults): string {
  const healthz = cpuOf(r.edgeCpu, "GET /healthz");
  const verifyPixel = cpuOf(r.edgeCpu, "GET /o/<token, wrong");
  const pixel = cpuOf(r.edgeCpu, "GET /o/<token> ");
  const p = r.producer;
  if (!healthz || !verifyPixel || !pixel) return "";
  return `Almost all of a tracking request's CPU here is what \`GET /healthz\` pays too: ${n(healthz.msPerRequest.median, 2)} ms per
request of HTTP over loopback, wrangler's dev proxy (a second workerd) and the runtime. Verifying the token and
answering adds ${n(verifyPixel.msOverHealthz.median, 3)} ms (a pixel with a wrong signature: verified, answered, nothing queued), and the
event and its queue send ${n(pixel.msPerRequest.median - verifyPixel.msPerRequest.median, 3)} ms more.
The queue send was the cost that mattered: measured on the same undrained worker (\`POST /__bench/enqueue\`,
${n(p.events)} events, ${p.rounds} rounds each, alternating), one \`queue.send\` per event costs
**${n(p.single.median, 3)} ms** (${n(p.single.min, 3)}–${n(p.single.max, 3)}) of CPU per event, a \`sendBatch\` of 100
**${n(p.batched.median, 3)} ms** (${n(p.batched.min, 3)}–${n(p.batched.max, 3)}). Until issue 16 every pixel and click made its own
\`queue.send\`; now an isolate gathers the sends of the requests it serves within a few milliseconds (\`SEND_WINDOW_MS\`) into one \`sendBatch\`
(src/pipeline/send-coalescer.ts: the first request keeps the batch alive in its \`waitUntil\`), its events packed into
as few messages as fit under Queues' 128 KB (src/pipeline/pack-events.ts; each an ordinary envelope, so the consumer,
dead letters and replay read what they always read). On Cloudflare a queue send is a network call rather than local work,
so the saving there is in round trips and in the requests' \`waitUntil\` time more than in CPU.`;
}

function pipelineCapacityTable(r: BenchResults): string {
  const pc = r.pipelineCapacity;
  const edge = r.http.map((h) => h.tracking.rps.median);
  const fastest = Math.max(...edge);
  return [
    "| measure | median (min–max) |",
    "| --- | ---: |",
    `| events stored per second (backlog of ${n(pc.events)}, from the feed until D1 holds all) | **${s(pc.eventsPerSecond)}** |`,
    `| CPU per stored event, the consumer's (ms) | ${s(pc.cpuMsPerEvent, 3)} |`,
    `| the edge's request rate at full load, the faster of pixel and click above (req/s) | ${n(fastest)} |`,
    `| **pipeline ÷ edge** | **${n(pc.eventsPerSecond.median / fastest, 2)}** |`,
    "",
    `Goal: the pipeline keeps up with the edge at full load on this machine (a ratio of at least 1; below 1 a backlog would grow without end): ${pc.eventsPerSecond.median / fastest >= 1 ? "**met**" : "**not met**"}.`,
  ].join("\n");
}

function pipelineLimits(r: BenchResults): string {
  const pc = r.pipelineCapacity;
  const batched = r.pipeline.eventsPerSecond.consumerBatched;
  return `${n(pc.cpuMsPerEvent.median, 3)} ms of CPU per event is the consumer's whole work for it: validating the envelope, classifying
the open or click (the "Human or machine" section below times it alone), its share of one D1 batch per queue batch of
100 messages (insert, campaign upsert), and of one call to each campaign's CampaignStats object and one to the
AccountGuard. Batching is what keeps it there: inside workerd the same consumer stores ${batched ? n(batched.median) : "n/a"} events per second
against a few hundred when it writes once per event ("Pipeline: events stored per second" below). The rate is
bounded by waiting as much as by CPU: ${n(1000 / pc.cpuMsPerEvent.median)} events per CPU-second against ${n(pc.eventsPerSecond.median)} stored per
second, the rest being each batch's D1 and Durable Object round trips and the queue's delivery of the next batch.`;
}

export function renderReport(
  r: BenchResults,
  load: LoadSummary | null,
  classification: ClassificationResults | null = null,
  snsIngest: SnsIngestResult | null = null,
  storage: StorageResults | null = null,
): string {
  const m = r.machine;
  return `# Benchmarks and evidence

Generated by \`npm run bench\` (bench/run.ts) from the measurements of one run; the raw numbers are in
\`bench/results/latest.json\` (and \`bench/results/load-latest.json\` for the load run). Do not edit the numbers
by hand: run the benchmark again. Every figure is the **median of several runs (each section says how many), with the
spread as (min–max)**.

## Machine and versions

| | |
| --- | --- |
| date | ${m.date} |
| CPU | ${m.cpuModel}, ${m.cores} cores |
| memory | ${m.memoryGiB} GiB |
| load average (1, 5, 15 min) at start / end of the run | ${m.loadAverageAtStart.join(", ")} / ${r.loadAverageAtEnd.join(", ")} (other work, e.g. another helper's tests, may share the 2 cores: compare ratios, not absolutes) |
| OS | ${m.os} |
| Node | ${m.node} |
| wrangler | ${m.wrangler} |
| workerd (wrangler dev) | ${m.workerd} |
| workerd (vitest-pool-workers) | ${m.workerdVitest} |
| autocannon | ${m.autocannon} |
| commit | ${m.gitCommit} |
| duration of the whole run | ${r.seconds} s |

Commands: \`npm run bench\` (everything below), \`npm run load\` (load and loss),
\`${r.pipeline.command}\` (the in-runtime benchmarks alone: pipeline, instrumentation, SNS verification, tokens),
\`npx tsx bench/sns-ingest.ts\` (SNS ingestion against a naive receiver alone),
\`npx tsx bench/stats-read.ts [events]\` (the stats read latency alone),
\`npx tsx bench/storage.ts\` (storage per event alone; also rewrites docs/SCALE.md's tables),
\`npx tsx bench/capacity.ts\` (docs/SCALE.md's capacity tables from the stored figures, measuring nothing).

## How the local worker is run

\`bench/local-worker.ts\` creates a temporary directory, applies the D1 migrations into it
(\`wrangler d1 migrations apply DB --local --persist-to <dir>\`), and starts
\`wrangler dev --ip 127.0.0.1 --port <free port> --persist-to <dir> --env-file <test secrets>\`: local D1 and Queues,
never the developer's \`.wrangler/\` state or \`.dev.vars\`; the directory is deleted afterwards. Requests go over
loopback through wrangler's dev proxy (a second workerd process) to the worker. That hop, and the inspector wrangler
attaches, make absolute numbers far lower than on Cloudflare's edge; they cost the same for every route, which is why
each tracking figure is paired with \`GET /healthz\` (a constant response from the same worker) in the same run.

## The edge alone: pixel and click against \`GET /healthz\`

On Cloudflare the edge and the queue consumer run apart; locally they would share the 2 cores. So the edge is
measured with the events queue's consumer left out: \`startLocalWorker({ undrainedQueue })\` writes a bench-only copy
of wrangler.toml without that consumer (deleted afterwards; wrangler.toml itself is unchanged), and the worker's
entry is \`bench/workerd/pipeline-feed-worker.ts\` (the production worker, plus a \`POST\` route used by the pipeline
section; every \`GET\` goes to the production handler). Pixel and click requests cost verification, the event and the
queue send, and nothing after.

Method: autocannon, ${r.options.connections} connections, ${r.options.runs} pairs of ${r.options.seconds}-second runs per route.
Each pair is one tracking run and one \`GET /healthz\` run, in alternating order (A B, B A, …) so drift in the machine's
load hits both alike; the ratio is computed per pair, then summarised. Tracking requests cycle through
${n(100)} signed tokens (10 campaigns × 10 contacts), each request from a client network of its own (a repeat from one
network within a minute would be one event, and less work).
Unexpected answers (anything but 200 for pixel and healthz, 302 for click) or errors: ${r.http.map((h) => h.unexpected).join(", ")}.

${httpTable(r.http)}

${edgeGoals(r)}

### CPU per request of the edge alone

${cpuMethod(r, r.edgeCpu)} Nothing drains the queue, so each figure is the request and its queue send alone.

${cpuTable(r.edgeCpu)}

${edgeCpuGoal(r)}

### What limits the edge

${edgeLimits(r)}

## The pipeline alone: storing a backlog

Method: the production config (the consumer draining) with the same bench entry. Its \`POST /__bench/enqueue\` puts
${n(r.pipelineCapacity.events)} opens and clicks on the queue the way the edge did before it packed them (one envelope per event, in sendBatch calls of 100;
10 campaigns, browser agents, a network per event, so classification does its full work), and the clock runs from
that request until D1 holds every event (the local D1 file polled every 20 ms); ${r.pipelineCapacity.rounds} rounds. CPU is the whole
tree's (as above), less its idle use (${n(r.pipelineCapacity.idleMsPerSecond, 1)} ms per second) and less the producer's share measured
on the undrained worker (${n(r.producer.batched.median, 3)} ms per event).

${pipelineCapacityTable(r)}

### What limits the pipeline

${pipelineLimits(r)}

## CPU per request of the whole path (consumer draining)

${cpuMethod(r, r.cpu)} Each figure is read only once D1 holds every event of the case, so it includes the queue
producer, the consumer (classification, the D1 batch, the counters) and local D1 writes for that request; the tree's
idle use times the case's duration is taken off, since these cases also wait for the queue.

${cpuTable(r.cpu)}

## Pipeline: events stored per second, batched versus one write per event

Method: inside workerd, with the real local D1 (vitest-pool-workers, \`vitest.bench.config.ts\`, file
\`bench/workerd/pipeline.bench-test.ts\`; command \`${r.pipeline.command}\`). The same ${n(r.pipeline.events)} events
(a mix of open, click, delivery and send, with user agent, IP and links) are stored by each path, ${r.pipeline.runs} runs,
with the order of the paths rotated each run; each run checks that all ${n(r.pipeline.events)} rows are in D1. Time is
read just after awaited D1 work (whatever the runtime does with its clock between I/O, the reading is taken once
the last write has completed). No test-only route was added to the worker.

${pipelineTable(r.pipeline)}

## SNS ingestion

### Signature verification alone, with a cached certificate

Both verifiers check the same ${r.snsVerify.messages} genuine AWS-signed messages (\`test/fixtures/sns\`: SignatureVersion 1 and 2,
HTTP and Lambda spellings, Notifications and SubscriptionConfirmations), each certificate fetched once and then
cached, answered from the fixture PEM files (no network), in the same \`npm run bench\`.
**They run in different runtimes: ours in workerd, the baseline on Node** (sns-validator needs Node's \`crypto\` and
\`https\`); the ratio compares the two as each would be deployed, not the same engine.

- Ours: \`verifySnsMessage\` (bench/workerd/sns-verify.bench-test.ts) with each message's clock fixed at its own
  Timestamp plus one minute, and \`fetchCertificate\` answering from the fixture file; the first pass parses the
  certificates and imports their keys (cached per certificate, as in the worker), then ${r.snsVerify.runs} timed runs of
  ${n(r.snsVerify.passes)} passes over all messages each (I/O-anchored clock, see "Timing inside workerd").
- Baseline: \`sns-validator\` on Node (bench/sns-node.ts), its certificate download intercepted and served from the
  fixture files once per URL (it then caches it); ${r.options.runs} runs of 2 s over the messages it accepts
  (${r.snsNode.accepted} of ${r.snsNode.messages}${r.snsNode.rejectedFiles.length ? `; rejected ${r.snsNode.rejectedFiles.join(", ")}` : ""}).

${snsVerifyTable(r)}

${snsIngestSection(snsIngest)}
## Instrumentation: a ~100 KB newsletter

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
anchor add at most about ${n(((r.instrument.clock.stepMs + r.instrument.clock.anchorMs) / 600) * 100, 1)}% to a figure.

## Tracking tokens: version 2 (AES-GCM) against version 1 (HMAC)

Version-2 tokens are decrypted and authenticated with AES-256-GCM where version 1 checked an HMAC-SHA256 tag
(src/tracking/token-v1.ts, token-v2.ts). bench/workerd/tokens.bench-test.ts times, inside workerd, 64 distinct tokens
of each version (a click token with a 60-character destination is ${tokenLengths(r)}), as \`verifyToken\` alone and as the whole
pixel and click requests through the worker's fetch handler (the events queue is a recording stub: no I/O in a batch,
so a batch's time is the thread's CPU time). ${r.tokens.runs} runs; in each, the two versions of a pair are timed back to back
(about 100 ms each, order swapped every run) and their ratio taken; "fastest ÷ fastest" compares each side's least
disturbed batch, the closest a wall clock gets to CPU time when other processes share the machine.

${tokensTable(r.tokens)}

${tokenGoals(r.tokens)}

## Stats read latency: 1,000 versus 1,000,000 events

Issue #6: reading a campaign's stats must not scan its events; the two latencies must be within 2× of each other.
\`wrangler dev\` runs the production wrangler.toml with a bench-only entry, \`${r.statsRead.script}\` (the production worker
re-exported, plus \`POST /__bench/seed\`; \`wrangler deploy\` builds src/index.ts, so the route never ships). The seeding
route generates a deterministic campaign log (one send and one delivery per eight events, the rest opens and clicks
on 20 links, spread over 30 days; see bench/workerd/stats-seed.ts) and hands it to the campaign's CampaignStats
object through its own \`record()\` RPC, ${n(r.statsRead.large.chunk)} events per call (every event is applied: ids, counters,
hourly buckets, unique contacts, per-link counts). The pruning alarm it sets is 24 h away, so it never runs during the
bench. The answer's \`sent\` is checked against the log before timing. Then \`GET /api/campaigns/<id>/stats\` (bearer,
through the worker, the object's \`counts()\`) is read from Node over loopback, one request at a time, timed with Node's
clock (microseconds): ${r.statsRead.rounds} rounds of ${r.statsRead.readsPerRound} reads per campaign, alternating which goes first, after 20 warm-up
reads each. p50 and p99 are per round; the table shows their median and spread over rounds. Absolute latency is
mostly wrangler's dev proxy and HTTP; what matters is the ratio.

${statsTable(r.statsRead)}

Within 2×: **${r.statsRead.ratio.p50.median <= 2 && r.statsRead.ratio.p99.median <= 2 ? "yes" : "NO"}** (median ratio of p50 ${n(r.statsRead.ratio.p50.median, 2)}, of p99 ${n(r.statsRead.ratio.p99.median, 2)}).

${classificationSection(classification)}

${storageSection(storage)}
## Load and loss (\`npm run load\`)

Fires pixel and click requests for 20 campaigns × 100 contacts (half opens, half clicks) with about 10% invalid
requests mixed in (tampered signature, truncated token, valid token of the wrong kind, garbage) at the local worker,
and at the same time signed SNS notifications (SES Send, Delivery, Open and Click, tagged to the same campaigns), a
share of them posted twice with the same MessageId. The worker runs in its own workerd process through wrangler's
\`unstable_startWorker\`; its one outside fetch, the test signer's certificate, is served through miniflare's
\`outboundService\` (production verification, no switch). The run checks every answer (GIF, 302 to exactly the signed
destination, 404 page; \`enqueued\` or \`duplicate\`), then polls D1 until the stored events per campaign and type equal
the expected ones. Each pixel/click request creates an event with its own id, and each distinct SNS message its
SES events, so the expected count is exact; invalid requests and replays must add nothing. Finally every campaign's
\`GET /api/campaigns/<id>/stats\` is compared with the counters recomputed from D1 in plain SQL (test/support/d1-counts.ts).
Events per queue message are counted where the consumer receives them: it logs one line a batch (\`events batch
consumed\`, with its messages and events), and the run adds up those lines from the worker's log (bench/consumed.ts).
Each enqueued SNS notification is a message of its own (the route answers only once its send is done, so SNS retries
a failure), so the edge's share is the totals less the SNS messages and their events.

${loadSection(load)}

## What the tests in \`npm test\` prove (no timings there)

| file | meaning |
| --- | --- |
| \`test/integration/load.test.ts\` | a few hundred concurrent pixel, click and invalid requests and a hundred signed SNS notifications (a quarter replayed) through the worker; after the real local queue drains, D1 holds exactly one event per valid request and per distinct SES event, per campaign and type, none from the invalid ones or the replays, and every campaign's counters equal counts recomputed from D1 |
| \`test/integration/faults.test.ts\` | the consumer failing before D1, inside the D1 transaction, and after D1 committed: every message is retried, nothing partial is stored, and redelivery ends exact (no loss, no duplicate). Also between D1 and the counters (all campaigns, or one of two), after the counters (answer lost) and a whole batch redelivered after a lost ack: D1 rows, suppression history and every campaign's counters end equal to a clean run. A poison message is retried through every attempt the queue allows (max_retries from wrangler.toml), then lands in \`dead_letters\` through the DLQ consumer while the rest of its batch is stored |
| \`test/integration/bad-input.test.ts\` | property-based (fast-check): random and mutated tokens, paths, headers and bodies against \`/o/\`, \`/c/\`, \`/u/\`, \`/api/links\`, \`/api/suppressions\`, \`/sns\` (random and mutated genuine signed messages: queued only when every signed field is intact, nothing fetched but rule-matching certificate URLs), \`/api/send\`, \`/api/instrument\`, \`/api/campaigns/<id>/send\` (nothing reaches SES): no 5xx, a redirect only ever to a destination signed in the test, nothing enqueued or stored from an invalid request; oversized bodies (streamed, no Content-Length) get 413 after reading no more than the limit plus one chunk |
`;
}
