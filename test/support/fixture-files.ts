// The fixture files under test/fixtures, read from disk on the Node side: vitest.config.ts hands them to the tests
// as a binding (read there through ./fixtures.ts), and the benchmarks and load run read the same files.
import fs from "node:fs";
import path from "node:path";

export const FIXTURES_DIR = path.resolve(import.meta.dirname, "..", "fixtures");

/** One fixture by its path relative to test/fixtures ("ses/event-publishing__send-record.json"). */
export function readFixtureFile(rel: string): string {
  return fs.readFileSync(path.join(FIXTURES_DIR, ...rel.split("/")), "utf8");
}

/** Every file under these folders of test/fixtures, keyed by path relative to test/fixtures with "/" separators. */
export function readFixtureTree(dirs: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of dirs) {
    for (const rel of fs.readdirSync(path.join(FIXTURES_DIR, dir), { recursive: true, encoding: "utf8" })) {
      const full = path.join(FIXTURES_DIR, dir, rel);
      if (fs.statSync(full).isFile()) files[[dir, ...rel.split(path.sep)].join("/")] = fs.readFileSync(full, "utf8");
    }
  }
  return files;
}
