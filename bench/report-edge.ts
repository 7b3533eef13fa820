// The "edge alone" part of docs/BENCHMARKS.md: pixel and click against GET /healthz, their CPU, what limits them.
import type { BenchResults, CpuRun } from "./latest-results.ts";
import type { PairedResult } from "./http.ts";
import { n, s } from "./report-format.ts";

function httpTable(results: readonly PairedResult[]): string {
  const rows = results.flatMap((r) => [
    `| ${r.route} | ${s(r.tracking.rps)} | ${s(r.tracking.p50, 1)} | ${s(r.tracking.p99, 1)} |`,
    `| ${r.baseline} (same runs) | ${s(r.base.rps)} | ${s(r.base.p50, 1)} | ${s(r.base.p99, 1)} |`,
    `| **ratio** tracking ÷ baseline | **${s(r.ratio.rps, 2)}** | **${s(r.ratio.p50, 2)}** | **${s(r.ratio.p99, 2)}** |`,
  ]);
  return ["| route | req/s | p50 latency (ms) | p99 latency (ms) |", "| --- | ---: | ---: | ---: |", ...rows].join("\n");
}

export function cpuTable(cpu: CpuRun): string {
  return [
    "| request | CPU ms per request | minus GET /healthz |",
    "| --- | ---: | ---: |",
    ...cpu.results.map((r) => `| ${r.name} | ${s(r.msPerRequest, 2)} | ${s(r.msOverHealthz, 2)} |`),
  ].join("\n");
}

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

export function cpuMethod(r: BenchResults, run: CpuRun): string {
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

/** How the local worker runs, and the edge alone. */
export function edgeSection(r: BenchResults): string {
  return `## How the local worker is run

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

${edgeLimits(r)}`;
}
