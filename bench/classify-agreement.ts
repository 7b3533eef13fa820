// Human-or-machine classifier: agreement per class on the labelled set (ours and the two baselines of issue 14), the
// CPU each classification costs, what the consumer and the edge pay for it inside workerd, and what a refresh of the
// network lists costs. Run: npx tsx bench/classify-agreement.ts (writes bench/results/classify-agreement.json; `npm run
// bench` runs it too, and docs/BENCHMARKS.md shows it).
//
// The classifier is pure, so it runs here in Node's V8 as it would in the consumer's. CPU is process.cpuUsage()
// over rounds of many classifications (the labelled set cycled), reported as the median per classification. The
// consumer's share is measured inside workerd (bench/workerd/classify.bench-test.ts).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { compactAppleEgressStream } from "../src/machine/apple-relay.ts";
import { classifyInteraction } from "../src/machine/classify.ts";
import { bundledNetworkLists, encodeNetworkLists } from "../src/machine/networks.ts";
import { rangeCounts } from "../src/machine/ranges.ts";
import {
  agreement,
  isbotAlone,
  isbotTimingHeadEmpty,
  type Agreement,
  type ClassAgreement,
  type IsMachine,
  type LabelledSet,
} from "../test/support/machine-agreement.ts";
import { describeMachine } from "./machine.ts";
import { summarize } from "./stats.ts";
import { benchLines, CLASSIFY_BENCH_ARGS, type Raw } from "./workerd.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
export const CLASSIFICATION_RESULTS = path.join(ROOT, "bench/results/classify-agreement.json");
const FIXTURES = path.join(ROOT, "test/fixtures/machine");
const labelled = JSON.parse(readFileSync(path.join(FIXTURES, "labelled.json"), "utf8")) as LabelledSet;
const cases = labelled.cases;

const classifiers: Record<string, IsMachine> = {
  ours: (f) => classifyInteraction(f).machine,
  isbotAlone,
  isbotTimingHeadEmpty,
};

const pct = (c: ClassAgreement) => `${(c.rate * 100).toFixed(1)}% (${c.agreed}/${c.cases})`;

function printAgreement(name: string, a: Agreement): void {
  console.log(
    [
      name.padEnd(22),
      `overall ${pct(a.overall)}`,
      `human open ${pct(a.humanOpen)}`,
      `human click ${pct(a.humanClick)}`,
      `machine open ${pct(a.machineOpen)}`,
      `machine click ${pct(a.machineClick)}`,
      `humans called machine ${(a.humansCalledMachine * 100).toFixed(1)}%`,
    ].join(" | "),
  );
}

/** Microseconds of CPU per classification, one value per round. */
function cpuPerClassification(rounds: number, perRound: number): number[] {
  const values: number[] = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < perRound; i++) if (classifyInteraction(cases[i % cases.length]!.facts).machine) sink++;
    const used = process.cpuUsage(start);
    values.push((used.user + used.system) / perRound);
  }
  if (sink < 0) console.log(sink); // keeps the loop from being optimised away
  return values;
}

/** Wall microseconds per classification of each case alone (the costliest paths: isbot, IPv6 parsing). */
function perCaseMicros(reps: number): { id: string; micros: number }[] {
  return cases.map((c) => {
    const start = performance.now();
    for (let i = 0; i < reps; i++) classifyInteraction(c.facts);
    return { id: c.id, micros: ((performance.now() - start) * 1000) / reps };
  });
}

/** Measures everything and writes bench/results/classify-agreement.json; answers what it wrote. */
export async function measureClassification() {
  const machine = describeMachine();
  const firstCallStart = performance.now();
  classifyInteraction(cases[0]!.facts); // builds the bundled lists, once per isolate
  const firstCallMs = performance.now() - firstCallStart;

  const results: Record<string, Agreement> = {};
  for (const [name, isMachine] of Object.entries(classifiers)) {
    results[name] = agreement(cases, isMachine);
    printAgreement(name, results[name]);
  }

  cpuPerClassification(5, 20_000); // warm-up: JIT
  const cpu = summarize(cpuPerClassification(40, 20_000));
  const perCase = perCaseMicros(2_000).sort((a, b) => b.micros - a.micros);
  const perCaseSummary = summarize(perCase.map((p) => p.micros));
  console.log(
    `CPU per classification: median ${cpu.median.toFixed(2)} µs (IQR ${cpu.q1.toFixed(2)}–${cpu.q3.toFixed(2)}, ${cpu.runs} rounds of 20,000); ` +
      `per case: median ${perCaseSummary.median.toFixed(2)} µs, slowest ${perCase[0]!.micros.toFixed(2)} µs (${perCase[0]!.id}); ` +
      `first call (builds the bundled lists) ${firstCallMs.toFixed(2)} ms`,
  );

  const refresh = await refreshCost();
  console.log(
    `refresh: parse + compact ${refresh.repeated.rows} rows (excerpt repeated) in ${refresh.repeated.cpuMillis.toFixed(0)} ms CPU; ` +
      `${refresh.distinct.rows} rows no two adjacent in ${refresh.distinct.cpuMillis.toFixed(0)} ms CPU, ${refresh.distinct.bytes} bytes encoded; ` +
      `bundled lists encode to ${refresh.bundledBytes} bytes`,
  );

  console.log("consumer and edge inside workerd (bench/workerd/classify.bench-test.ts)...");
  const consumer = consumerCost(benchLines(CLASSIFY_BENCH_ARGS, ["classification"]).get("classification")!);
  console.log(
    `consumer: classification ${consumer.classifyMicrosPerEvent.median.toFixed(1)} µs per event; consumer with ${consumer.consumerMsPerEvent.with.median.toFixed(3)} ms, ` +
      `without ${consumer.consumerMsPerEvent.without.median.toFixed(3)} ms per event; edge event ${consumer.edgeMicrosPerRequest.facts.median.toFixed(2)} µs ` +
      `(two headers only: ${consumer.edgeMicrosPerRequest.headersOnly.median.toFixed(2)} µs)`,
  );

  const out = {
    machine,
    labelledCases: cases.length,
    agreement: Object.fromEntries(
      Object.entries(results).map(([name, a]) => [
        name,
        {
          overall: a.overall,
          human: a.human,
          machine: a.machine,
          humanOpen: a.humanOpen,
          humanClick: a.humanClick,
          machineOpen: a.machineOpen,
          machineClick: a.machineClick,
          humansCalledMachine: a.humansCalledMachine,
          disagreements: a.disagreements,
        },
      ]),
    ),
    cpuMicrosPerClassification: cpu,
    perCaseMicros: { ...perCaseSummary, slowest: perCase.slice(0, 5) },
    firstCallMillis: firstCallMs,
    refresh,
    consumer,
  };
  writeFileSync(CLASSIFICATION_RESULTS, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.relative(ROOT, CLASSIFICATION_RESULTS)}`);
  return out;
}

export type ClassificationResults = Awaited<ReturnType<typeof measureClassification>>;

/**
 * CPU of parsing and compacting a file of Apple's size as the cron does (streamed, 64 KB pieces): the excerpt repeated,
 * and distinct rows none adjacent.
 */
async function refreshCost() {
  const excerpt = readFileSync(path.join(FIXTURES, "apple-egress-excerpt.csv"), "utf8");
  const rows = excerpt.trim().split("\n").length;
  const timed = async (text: string) => {
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65_536) controller.enqueue(bytes.subarray(at, at + 65_536));
        controller.close();
      },
    });
    const start = process.cpuUsage();
    const compacted = await compactAppleEgressStream(body);
    const used = process.cpuUsage(start);
    const lists = { ...bundledNetworkLists(), relay: compacted.set };
    return {
      rows: compacted.parse.rows,
      cpuMillis: (used.user + used.system) / 1000,
      ranges: rangeCounts(compacted.set),
      bytes: encodeNetworkLists(lists).length,
    };
  };
  return {
    repeated: await timed(excerpt.repeat(Math.ceil(290_000 / rows))),
    // The worst case for size and sorting: Apple's mix (about 42,000 IPv4 and 245,000 IPv6 rows, per the 2026-07 counts
    // of rezmoss/cloud-provider-ip-addresses), every row its own range.
    distinct: await timed(distinctRows(42_000, 245_000)),
    bundledBytes: encodeNetworkLists(bundledNetworkLists()).length,
  };
}

/** Egress-file text of `v4` IPv4 /31 rows and `v6` IPv6 /64 rows, shuffled, no two adjacent (so none merge). */
function distinctRows(v4: number, v6: number): string {
  const lines: string[] = [];
  for (let i = 0; i < v4; i++) lines.push(`172.${224 + Math.floor(i / 16384)}.${Math.floor(i / 64) % 256}.${(i % 64) * 4}/31,US,US-CA,Los Angeles,`);
  for (let i = 0; i < v6; i++) lines.push(`2a02:26f7:${(i >> 12).toString(16)}:${((i & 0xfff) * 2).toString(16)}::/64,GB,GB-EN,London,`);
  // A fixed shuffle: the file is not sorted by address.
  let seed = 14;
  for (let i = lines.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return `${lines.join("\n")}\n`;
}

/** The workerd bench's raw numbers, summarised. */
function consumerCost(raw: Raw) {
  const m = raw.microsPerEvent as Record<string, number[]>;
  const ms = raw.msPerEvent as Record<string, number[]>;
  const delta = ms.consumerWith!.map((v, i) => v - ms.consumerWithout![i]!);
  return {
    events: raw.events as number,
    runs: raw.runs as number,
    batch: raw.batch as number,
    classifyMicrosPerEvent: summarize(m.classifyOnly!),
    consumerMsPerEvent: { with: summarize(ms.consumerWith!), without: summarize(ms.consumerWithout!), added: summarize(delta) },
    sendTimeReadMsPerBatch: summarize(raw.sendTimeReadMsPerBatch as number[]),
    edgeMicrosPerRequest: { facts: summarize(m.edgeFacts!), headersOnly: summarize(m.edgeHeadersOnly!) },
  };
}

// Run directly (npx tsx bench/classify-agreement.ts); bench/run.ts imports it and calls measureClassification itself.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await measureClassification();
