// The edge and the pipeline measured apart (issue 16): the edge with nothing draining its queue, then the consumer
// alone storing a backlog, each on the same local `wrangler dev` as the other HTTP benchmarks.
//
// Edge: the worker runs with the events queue's consumer left out (a generated bench-only config, see
// startLocalWorker's `undrainedQueue`), so pixel and click requests cost verification, the event and the queue send,
// and nothing after. Pipeline: the production config; a bench-only route (bench/workerd/pipeline-feed-worker.ts)
// puts N opens and clicks on the queue the way the edge does, and the time and CPU until D1 holds them all is the
// consumer's (D1 batch, classification, counters), less the producer's share measured on the undrained worker.
import { idleCpu, treeCpuSeconds } from "./cpu.ts";
import { storedEvents, type LocalWorker } from "./local-worker.ts";
import { summarize, type Summary } from "./stats.ts";
import { FEED_PATH, type FeedRequest } from "./workerd/pipeline-feed-route.ts";
import { TEST_API_TOKEN } from "../test/support/secrets.ts";

export const FEED_SCRIPT = "bench/workerd/pipeline-feed-worker.ts";
export const EVENTS_QUEUE = "mail-tracker-events";

let runs = 0;

async function feed(worker: LocalWorker, count: number, mode: FeedRequest["mode"] = "batch"): Promise<void> {
  const body: FeedRequest = { runId: `feed${runs++}-${Date.now()}`, count, mode };
  const response = await fetch(worker.origin + FEED_PATH, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${FEED_PATH}: ${response.status} ${await response.text()}`);
}

export interface ProducerCpu {
  events: number;
  rounds: number;
  /** CPU ms per event, sendBatch of 100 messages. */
  batched: Summary;
  /** CPU ms per event, one queue.send each. */
  single: Summary;
}

/**
 * CPU ms per event of putting `count` events on the queue (the producer's side), batched and one send per event,
 * alternating, on a worker that does not drain the queue.
 */
export async function producerCpu(worker: LocalWorker, { rounds = 3, count = 3000 } = {}): Promise<ProducerCpu> {
  const idle = await idleCpu(worker.pid);
  const per: Record<"batch" | "single", number[]> = { batch: [], single: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? (["batch", "single"] as const) : (["single", "batch"] as const)) {
      const before = treeCpuSeconds(worker.pid);
      const started = performance.now();
      await feed(worker, count, mode);
      const idleMs = (idle * (performance.now() - started)) / 1000;
      per[mode].push(((treeCpuSeconds(worker.pid) - before) * 1000 - idleMs) / count);
    }
  }
  return { events: count, rounds, batched: summarize(per.batch), single: summarize(per.single) };
}

export interface PipelineCapacity {
  events: number;
  rounds: number;
  /** Events stored per second, from the feed's request until D1 holds them all. */
  eventsPerSecond: Summary;
  /** CPU ms per stored event of the whole tree, idle and the producer's share taken off. */
  cpuMsPerEvent: Summary;
  idleMsPerSecond: number;
}

/** The consumer storing a backlog of `count` events, `rounds` times, on a worker with the production config. */
export async function pipelineCapacity(
  worker: LocalWorker,
  producer: ProducerCpu,
  { rounds = 3, count = 3000 } = {},
  log: (line: string) => void = () => {},
): Promise<PipelineCapacity> {
  // Warm-up, not counted: the first batches create the campaigns' Durable Objects and compile the consumer's code.
  const warm = (await storedEvents(worker)) + 300;
  await feed(worker, 300);
  for (let n = 0; n < 300 && (await storedEvents(worker)) < warm; n++) await new Promise((r) => setTimeout(r, 100));
  const idle = await idleCpu(worker.pid);
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const floor = await storedEvents(worker);
    const before = treeCpuSeconds(worker.pid);
    const started = performance.now();
    await feed(worker, count);
    for (;;) {
      const n = await storedEvents(worker);
      if (n >= floor + count) break;
      if (performance.now() - started > 300_000) throw new Error(`pipeline stored ${n - floor} of ${count} events in 5 minutes`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const ms = (treeCpuSeconds(worker.pid) - before) * 1000 - idle * seconds;
    rates.push(count / seconds);
    cpu.push(ms / count - producer.batched.median);
    log(`pipeline round ${round + 1}/${rounds}: ${count} events stored in ${seconds.toFixed(2)} s (${(count / seconds).toFixed(0)}/s)`);
  }
  return {
    events: count,
    rounds,
    eventsPerSecond: summarize(rates),
    cpuMsPerEvent: summarize(cpu),
    idleMsPerSecond: idle,
  };
}
