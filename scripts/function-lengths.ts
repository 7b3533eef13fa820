// How many lines each function in src/ spans, first line to last: what test/cli/function-length.test.ts holds to 80.
// `npx tsx scripts/function-lengths.ts [count]` prints the longest (10 unless told).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { sourceFiles } from "./import-graph";

export const MAX_FUNCTION_LINES = 80;

export interface FunctionSpan {
  file: string;
  /** The line it starts on, from 1. */
  line: number;
  /** Lines from the one it starts on to the one it ends on, blank lines and comments included. */
  lines: number;
}

interface BiomeReport {
  diagnostics: Array<{ category: string; location: { path: string; start: { line: number }; end: { line: number } } }>;
}

/**
 * The functions of these files (declarations, expressions, arrows, methods, constructors) with the lines each spans.
 * Biome parses: its rule noExcessiveLinesPerFunction set to report any function of more than one line gives each
 * one's start and end. Its own count is not used: it leaves out the lines that only close a block.
 * Getters and setters are not among what it reports, nor a function Biome counts at one line (a few lines at most).
 */
export function functionSpans(files: readonly string[]): FunctionSpan[] {
  const dir = mkdtempSync(path.join(tmpdir(), "function-lengths-"));
  try {
    const rule = { level: "error", options: { maxLines: 1, skipBlankLines: false, skipIifes: false } };
    writeFileSync(path.join(dir, "biome.json"), JSON.stringify({ linter: { rules: { complexity: { noExcessiveLinesPerFunction: rule } } } }));
    const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
    const args = [
      biome,
      "lint",
      `--config-path=${dir}`,
      "--only=complexity/noExcessiveLinesPerFunction",
      "--reporter=json",
      "--max-diagnostics=none",
    ];
    const run = spawnSync(process.execPath, [...args, ...files], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (run.error) throw run.error;
    const report = JSON.parse(run.stdout) as BiomeReport;
    return report.diagnostics
      .filter((d) => d.category === "lint/complexity/noExcessiveLinesPerFunction")
      .map(({ location: { path: file, start, end } }) => ({ file: path.resolve(file), line: start.line, lines: end.line - start.line + 1 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const src = path.resolve(import.meta.dirname, "../src");
  const spans = functionSpans(sourceFiles(src)).sort((a, b) => b.lines - a.lines);
  for (const s of spans.slice(0, Number(process.argv[2] ?? 10)))
    console.log(`${String(s.lines).padStart(4)}  ${path.relative(src, s.file)}:${s.line}`);
}
