// What the numbers were measured on: machine, load, and tool versions.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

function version(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1)!;
  } catch {
    return "unknown";
  }
}

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * The workerd binary `wrangler dev` runs: the `workerd` package as Node resolves it from wrangler (wrangler pins its
 * own), and the binary its package.json `bin` names. No install layout or platform package name is assumed.
 */
function wranglerWorkerd(): string {
  try {
    const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
    const manifest = fromWrangler.resolve("workerd/package.json");
    const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { bin: { workerd: string } };
    return path.join(path.dirname(manifest), bin.workerd);
  } catch {
    return "workerd-not-found";
  }
}

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  loadAverageAtStart: number[];
  os: string;
  node: string;
  wrangler: string;
  /** The workerd that `wrangler dev` runs (wrangler pins its own). */
  workerd: string;
  /** The workerd that vitest-pool-workers runs (the pipeline benchmark). */
  workerdVitest: string;
  autocannon: string;
  gitCommit: string;
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    wrangler: packageVersion("node_modules/wrangler"),
    workerd: version(wranglerWorkerd(), ["--version"]),
    workerdVitest: version(path.join(ROOT, "node_modules/.bin/workerd"), ["--version"]),
    autocannon: packageVersion("node_modules/autocannon"),
    gitCommit: version("git", ["rev-parse", "--short", "HEAD"]),
  };
}
