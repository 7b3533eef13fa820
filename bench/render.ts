// Writes docs/BENCHMARKS.md again from the results already in bench/results, measuring nothing: for when one part was
// measured alone (e.g. `npx tsx bench/classify-agreement.ts`). Run: npx tsx bench/render.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BenchResults } from "./latest-results.ts";
import { renderReport } from "./report.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = <T>(name: string): T | null => {
  const file = path.join(ROOT, "bench", "results", name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
};

const results = read<BenchResults>("latest.json");
if (!results) throw new Error("no bench/results/latest.json: run `npm run bench` first");
writeFileSync(
  path.join(ROOT, "docs", "BENCHMARKS.md"),
  renderReport(results, read("load-latest.json"), read("classify-agreement.json"), read("sns-ingest.json"), read("storage.json")),
);
console.log("wrote docs/BENCHMARKS.md");
