// The pipeline parts of docs/BENCHMARKS.md: a backlog stored through the local worker, the whole path's CPU, and
// batched against per-event writes inside workerd.
import type { BenchResults } from "./latest-results.ts";
import { cpuMethod, cpuTable } from "./report-edge.ts";
import { n, s } from "./report-format.ts";
import type { PipelineResult } from "./workerd.ts";

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

/** The pipeline alone, the whole path's CPU, and the pipeline inside workerd. */
export function pipelineSection(r: BenchResults): string {
  return `## The pipeline alone: storing a backlog

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

${pipelineTable(r.pipeline)}`;
}
