// src/'s layers, bottom first, and its import graph as files: what test/cli/import-graph.test.ts holds the code to.
// `npx tsx scripts/import-graph.ts` prints each folder's imports by layer.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Each folder may import its own files and any folder before it, never one after. The entry points come last
 * (queues, cron, routes), then the files at the top of src/ (index.ts: the worker itself).
 */
export const LAYERS: readonly string[] = [
  "domain", // plain types and rules
  "lib", // shared helpers: no knowledge of mail
  "config", // the environment, parsed and checked
  "db", // D1 through Drizzle
  "dashboard",
  "machine",
  "tracking",
  "ses",
  "webhooks",
  "guard",
  "stats",
  "objects", // the Durable Object classes and their stubs
  "sending",
  "privacy",
  "archive",
  "pipeline",
  "sns",
  "queues", // one consumer a queue
  "cron", // the scheduled jobs
  "routes", // the HTTP edges
  ".", // src/index.ts
];

/** Every .ts file under dir, declaration files left out (they import nothing at run time). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

// `import … from`, `export … from`, `import "…"` and `import("…")`, type-only ones included.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** The project files a file imports, resolved to paths (.ts for .js specifiers, folders to index.ts). */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const base = path.resolve(path.dirname(file), m[1] as string);
    const target = [`${base}.ts`, base.replace(/\.js$/, ".ts"), path.join(base, "index.ts"), base].find((c) => existsSync(c) && statSync(c).isFile());
    if (target?.endsWith(".ts")) out.push(target);
  }
  return out;
}

/** A file's layer: its folder's place in LAYERS; an undeclared folder is past the top, so any import of it fails. */
export function layerOf(src: string, file: string): number {
  const top = path.relative(src, file).split(path.sep);
  const folder = top.length === 1 ? "." : (top[0] as string);
  const at = LAYERS.indexOf(folder);
  return at === -1 ? LAYERS.length : at;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const src = path.resolve(import.meta.dirname, "../src");
  const by = new Map<string, Set<string>>();
  for (const file of sourceFiles(src)) {
    const from = LAYERS[layerOf(src, file)] ?? "?";
    for (const to of importsOf(file)) {
      const layer = LAYERS[layerOf(src, to)] ?? "?";
      if (layer !== from) by.set(from, (by.get(from) ?? new Set()).add(layer));
    }
  }
  for (const layer of LAYERS) console.log(`${layer.padEnd(10)} → ${[...(by.get(layer) ?? [])].join(", ")}`);
}
