// No function in src/ spans more than 80 lines (blank lines and comments count): one that does reads as several
// steps at once. The spans come from Biome's parser (scripts/function-lengths.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { functionSpans, MAX_FUNCTION_LINES } from "../../scripts/function-lengths";
import { sourceFiles } from "../../scripts/import-graph";

const SRC = path.resolve(import.meta.dirname, "../../src");

/** A function of exactly `lines` lines: blocks, blank lines and comments, so that each kind of line is seen to count. */
function functionOf(name: string, lines: number): string {
  const unit = ["  if (x) {", "    g();", "  }", "", "  // why"];
  const body = Array.from({ length: lines - 2 }, (_, i) => (i < lines - 2 - ((lines - 2) % unit.length) ? unit[i % unit.length] : "  g();"));
  return [`export function ${name}(x: boolean): void {`, ...body, "}"].join("\n");
}

describe("function length in src/", () => {
  const spans = functionSpans(sourceFiles(SRC));
  const dir = mkdtempSync(path.join(tmpdir(), "function-length-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the real tree (a check over nothing proves nothing)", () => {
    expect(spans.length).toBeGreaterThan(500);
    expect(spans.some((s) => path.relative(SRC, s.file) === path.join("queues", "sends.ts"))).toBe(true);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = spans.filter((s) => s.lines > MAX_FUNCTION_LINES).map((s) => `${path.relative(SRC, s.file)}:${s.line} (${s.lines} lines)`);
    expect(long).toEqual([]);
  });

  it("counts every line of a function, from its first to its last", () => {
    const file = path.join(dir, "long.ts");
    writeFileSync(file, `declare function g(): void;\n${functionOf("justFits", 80)}\n${functionOf("tooLong", 81)}\n`);
    const found = functionSpans([file]).map((s) => [s.line, s.lines]);
    expect(found).toEqual([
      [2, 80],
      [82, 81],
    ]);
    expect(functionSpans([file]).filter((s) => s.lines > MAX_FUNCTION_LINES)).toHaveLength(1);
  });
});
