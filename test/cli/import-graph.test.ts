// The layout's rule, checked over src/'s import graph: every import points down the declared layers, and no file
// imports itself back through others. Type-only imports and `import("…")` types count.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, LAYERS, layerOf, sourceFiles } from "../../scripts/import-graph";

const SRC = path.resolve(import.meta.dirname, "../../src");

/** Every import cycle among files, each as the files that close it. */
function cyclesOf(files: readonly string[], next: (f: string) => string[] = importsOf): string[][] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[][] = [];
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...trail.slice(trail.indexOf(f)), f]);
      return;
    }
    state.set(f, "open");
    for (const to of next(f)) visit(to, [...trail, f]);
    state.set(f, "done");
  };
  for (const f of files) visit(f, []);
  return cycles;
}

describe("bench/ import graph", () => {
  it("has no import cycle between files", () => {
    const bench = path.resolve(import.meta.dirname, "../../bench");
    const files = sourceFiles(bench);
    expect(files.length).toBeGreaterThan(30);
    expect(cyclesOf(files).map((c) => c.map((f) => path.relative(bench, f)).join(" -> "))).toEqual([]);
  });
});

describe("src/ import graph", () => {
  const files = sourceFiles(SRC);
  const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));
  const rel = (f: string) => path.relative(SRC, f);

  it("reads the real tree (a check over nothing proves nothing)", () => {
    expect(files.length).toBeGreaterThan(150);
    expect(edges.length).toBeGreaterThan(400);
    expect(edges.some((e) => rel(e.from) === "index.ts" && rel(e.to) === "routes/app.ts")).toBe(true);
  });

  it("declares a layer for every folder of src/", () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  it("imports only within a folder or from a folder below it", () => {
    const upward = edges.filter(({ from, to }) => layerOf(SRC, to) > layerOf(SRC, from)).map(({ from, to }) => `${rel(from)} -> ${rel(to)}`);
    expect(upward).toEqual([]);
  });

  it("has no import cycle between files", () => {
    expect(cyclesOf(files).map((c) => c.map(rel).join(" -> "))).toEqual([]);
  });

  it("finds a cycle where there is one", () => {
    expect(cyclesOf([path.join(SRC, "index.ts")], () => [path.join(SRC, "index.ts")])).toHaveLength(1);
  });

  it("sees an upward import when there is one", () => {
    // The checker itself: a domain module importing a route would be caught.
    expect(layerOf(SRC, path.join(SRC, "routes/app.ts"))).toBeGreaterThan(layerOf(SRC, path.join(SRC, "domain/events.ts")));
    const sample = readFileSync(path.join(SRC, "index.ts"), "utf8");
    expect(sample).toContain("./routes/app");
  });
});
