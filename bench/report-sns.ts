// The "SNS ingestion end to end" part of docs/BENCHMARKS.md, from bench/results/sns-ingest.json (bench/sns-ingest.ts).
import type { RunSummary, SnsIngestResult } from "./sns-ingest-results.ts";
import { n, s } from "./report-format.ts";

/** The heading this part starts with; the command alone replaces the doc from here to the next `## ` heading. */
export const SNS_INGEST_HEADING = "### Verified Notifications end to end: ours against a naive receiver";
/** Headings earlier versions of this part started with. */
const OLDER_HEADINGS = ["### Verified Notifications per second, end to end through `POST /sns`"];
export const SNS_GOAL = { ratio: 1.5 };

/** The goal of issue #16: ≥ 1.5× the baseline's notifications per second, every run exact, p50 latency no worse. */
export function snsGoalMet(r: SnsIngestResult): boolean {
  return (
    r.ratio.perSecond.median >= SNS_GOAL.ratio &&
    r.ratio.p50.median <= 1 &&
    r.ours.exactRuns === r.ours.runs &&
    r.baseline.exactRuns === r.baseline.runs
  );
}

function throughputTable(r: SnsIngestResult): string {
  const row = (name: string, x: RunSummary, stored = true) =>
    `| ${name} | ${stored ? `**${s(x.perSecond)}**` : s(x.perSecond)} | ${stored ? s(x.answeredPerSecond) : "–"} | ${stored ? s(x.drainSeconds, 2) : "–"} | ${s(x.p50, 1)} | ${s(x.p99, 1)} | ${x.exactRuns} of ${x.runs} |`;
  return [
    "| worker | notifications stored per second | answered per second | last answer → all in D1 (s) | p50 latency (ms) | p99 latency (ms) | runs exact |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    row("ours (`POST /sns`: verify, enqueue, answer; the consumer stores batches of 100)", r.ours),
    row("baseline (bench/baselines/naive-sns: no verification, one D1 batch inside each request)", r.baseline),
    `| **ours ÷ baseline**, run by run | **${s(r.ratio.perSecond, 2)}** | | | **${s(r.ratio.p50, 2)}** | | |`,
    row("`GET /healthz` of our worker, same count and concurrency (requests per second)", r.healthz, false),
  ].join("\n");
}

function cpuTable(r: SnsIngestResult): string {
  const row = (name: string, x: RunSummary) =>
    `| ${name} | ${s(x.runtimeCpuMs, 2)} | ${s(x.runtimeCores, 2)} | ${s(x.proxyCpuMs, 2)} | ${s(x.benchCpuMs, 2)} | ${n(x.machineBusy.median * 100)}% |`;
  return [
    "| CPU per notification (per request for /healthz), ms | runtime workerd (worker, its D1, queue, Durable Objects) | cores the runtime kept busy | wrangler's proxy (second workerd) | client and wrangler (Node) | machine busy |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    row("ours", r.ours),
    row("baseline", r.baseline),
    row("`GET /healthz`", r.healthz),
  ].join("\n");
}

/** What limits us, in numbers of this run. */
function limits(r: SnsIngestResult): string {
  const ours = r.ours.runtimeCpuMs.median;
  const base = r.baseline.runtimeCpuMs.median;
  const floor = r.healthz.runtimeCpuMs.median;
  const ceiling = r.healthz.perSecond.median / r.baseline.perSecond.median;
  const share = (r.baseline.perSecond.median / r.healthz.perSecond.median) * 100;
  return `**What limits us.** Locally every hop runs on the same two cores: the client, wrangler's proxy (a workerd of its
own) and the runtime workerd, which runs the worker's isolate and also the local D1, the queue broker and the Durable
Objects that on Cloudflare run elsewhere. The runtime is the busiest process (ours ${n(r.ours.runtimeCores.median, 2)} cores,
the baseline ${n(r.baseline.runtimeCores.median, 2)}). Per notification it spent ${n(ours, 2)} ms of CPU for ours and ${n(base, 2)} ms for
the baseline; a \`GET /healthz\`, which does nothing, already costs it ${n(floor, 2)} ms per request (workerd's HTTP entry,
miniflare's and wrangler's layers), and the proxy ${n(r.healthz.proxyCpuMs.median, 2)} ms more in its own process. So the
harness's own cost per request is most of either worker's: ours adds ${n(ours - floor, 2)} ms to it (on the request path
verification, parsing and the queue send; after it the queue's delivery, the consumer's batched D1 write and the
per-campaign counters, which the baseline does not keep), the baseline ${n(base - floor, 2)} ms (parsing and its D1 round trip).
Unlike the edge's sends, an SNS request's queue send cannot join other requests' \`sendBatch\` (src/pipeline/send-coalescer.ts):
nothing is acknowledged before it is on the queue, so each request waits for its own send, and the runtime does not
settle one request's promise from another request's I/O. \`GET /healthz\` itself reached only ${n(r.healthz.perSecond.median)} requests
per second under the same load, and the baseline already ${n(share)}% of that: no receiver, however little it did, could
store more than ${n(ceiling, 2)}× the baseline's notifications per second through this harness
(${ceiling >= SNS_GOAL.ratio ? "room enough for the goal" : `below the goal's ${SNS_GOAL.ratio}×`}). The queue kept up: every event was in D1
${n(r.ours.drainSeconds.median, 2)} s (median) after the last answer. ${r.notifications % 100 === 0 ? `${n(r.notifications)} notifications fill whole batches of 100, which the consumer takes at once; a final partial batch would wait up to \`max_batch_timeout\` (2 s) for more, so the tail of a burst of another size is up to 2 s longer.` : "The last batch of a run is partial and waits up to `max_batch_timeout` (2 s) for more."}`;
}

/** The part of docs/BENCHMARKS.md about SNS ingestion end to end. */
export function snsIngestSection(r: SnsIngestResult | null): string {
  if (!r) return `${SNS_INGEST_HEADING}\n\nNot measured yet: run \`npx tsx bench/sns-ingest.ts\` (or \`npm run bench\`).\n`;
  const met = snsGoalMet(r);
  return `${SNS_INGEST_HEADING}

Measured by \`${r.command}\` (part of \`npm run bench\`) on ${r.date}, load average ${r.loadAverageAtStart.join(", ")} at its
start and ${r.loadAverageAtEnd.join(", ")} at its end (other work on the machine may share its 2 cores); raw numbers in
\`bench/results/sns-ingest.json\`.

Both workers run side by side through wrangler's \`unstable_startWorker\`, each in its own workerd with a fresh local D1
(bench/intercepted-worker.ts). Each run POSTs ${n(r.notifications)} distinct Notifications, ${r.inFlight} in flight, each carrying one SES event
(${r.eventTypes.join(", ")}, from test/fixtures/ses) for one of ${r.campaignsPerRun} campaigns of its own, signed by the test signer
(test/support/sns-signer.ts, SignatureVersion 2) before the clock starts, and is timed from its first POST until every event is in
D1 (polled every 20 ms, reading the local D1 file read-only). Every answer must be 200 (\`enqueued\` from ours, \`stored\` from the
baseline), and each run ends checked exact: one row per notification, per campaign and event type. Runs alternate
(${r.order.join(", ")}), ${r.runs} of each, after ${r.warmUp} warm-up notifications to each worker; after every pair,
\`GET /healthz\` of our worker under the same load shows what the harness alone allows.

- **Ours** verifies every signature (the certificate is fetched once through miniflare's \`outboundService\`, then cached, as in
  production), puts the events on the queue and answers; nothing on the request path reads or writes D1. The consumer
  stores batches of up to 100 messages in one D1 batch and counts them in each campaign's Durable Object.
- **The baseline**, \`${r.baselineConfig}\` (benchmark only: \`wrangler deploy\` builds src/index.ts), is how most SNS receivers
  are written: it trusts the POST as it comes (no signature, certificate or topic check), parses the SES event with our parser
  and writes our rows into the same \`events\` table with one D1 batch, inside the request, before answering. It counts nothing.

${throughputTable(r)}

Goal of issue #16: ours stores at least ${SNS_GOAL.ratio}× the baseline's notifications per second, every run exact, with a p50 latency no
worse: **${met ? "met" : "not met"}** (ours ÷ baseline ${n(r.ratio.perSecond.median, 2)}× in notifications per second, ${n(r.ratio.p50.median, 2)}× in p50 latency;
exact runs ${r.ours.exactRuns} of ${r.ours.runs} and ${r.baseline.exactRuns} of ${r.baseline.runs}; outside fetches: ours ${r.outbound.ours.length} (its certificate), baseline ${r.outbound.baseline.length}).

${cpuTable(r)}

${limits(r)}
`;
}

/** Replace this part of the doc (from its heading, or an older one, to the next `## ` heading) with `section`. */
export function spliceSnsIngestSection(doc: string, section: string): string {
  const start = [SNS_INGEST_HEADING, ...OLDER_HEADINGS].map((h) => doc.indexOf(`${h}\n`)).find((i) => i >= 0);
  if (start === undefined) throw new Error(`docs/BENCHMARKS.md has no "${SNS_INGEST_HEADING}" section to replace`);
  const end = doc.indexOf("\n## ", start);
  return `${doc.slice(0, start)}${section}${end < 0 ? "" : doc.slice(end)}`;
}
