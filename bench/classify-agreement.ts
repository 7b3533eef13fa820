// Human-or-machine classifier: agreement per class on the labelled set (ours and the two baselines of issue 14), and
// the CPU each classification costs. Run: npx tsx bench/classify-agreement.ts (writes bench/results/classify-agreement.json).
//
// The classifier is pure, so it runs here in Node's V8 as it would in the consumer's. CPU is process.cpuUsage()
// over rounds of many classifications (the labelled set cycled), reported as the median per classification.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compactAppleEgressCsv } from "../src/machine/apple-relay.ts";
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

const ROOT = path.resolve(import.meta.dirname, "..");
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

function main(): void {
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

  // What a refresh of the full file costs: the recorded excerpt repeated to Apple's size (~290k rows).
  const excerpt = readFileSync(path.join(FIXTURES, "apple-egress-excerpt.csv"), "utf8");
  const rows = excerpt.trim().split("\n").length;
  const big = excerpt.repeat(Math.ceil(290_000 / rows));
  const refreshStart = process.cpuUsage();
  const compacted = compactAppleEgressCsv(big);
  const refreshCpu = process.cpuUsage(refreshStart);
  const refreshMs = (refreshCpu.user + refreshCpu.system) / 1000;
  console.log(
    `refresh: parse + compact ${compacted.parse.rows} rows in ${refreshMs.toFixed(0)} ms CPU (excerpt repeated; ` +
      `${JSON.stringify(rangeCounts(compacted.set))} ranges); bundled lists encode to ${encodeNetworkLists(bundledNetworkLists()).length} bytes`,
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
    cpuMicrosPerClassification: { ...cpu, values: undefined },
    perCaseMicros: { ...perCaseSummary, values: undefined, slowest: perCase.slice(0, 5) },
    firstCallMillis: firstCallMs,
    refresh: { rows: compacted.parse.rows, cpuMillis: refreshMs, ranges: rangeCounts(compacted.set) },
  };
  const file = path.join(ROOT, "bench/results/classify-agreement.json");
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

main();
