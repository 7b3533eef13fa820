// The layout's rule, checked over src/'s import graph: every import points down the declared layers, and no file
// imports itself back through others. Type-only imports and `import("…")` types count.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, LAYERS, layerOf, sourceFiles } from "../../scripts/import-graph";

const SRC = path.resolve(import.meta.dirname, "../../src");

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
    const next = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const { from, to } of edges) next.get(from)?.push(to);
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map(rel).join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const to of next.get(f) ?? []) visit(to, [...trail, f]);
      state.set(f, "done");
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("sees an upward import when there is one", () => {
    // The checker itself: a domain module importing a route would be caught.
    expect(layerOf(SRC, path.join(SRC, "routes/app.ts"))).toBeGreaterThan(layerOf(SRC, path.join(SRC, "domain/events.ts")));
    const sample = readFileSync(path.join(SRC, "index.ts"), "utf8");
    expect(sample).toContain("./routes/app");
  });
});
