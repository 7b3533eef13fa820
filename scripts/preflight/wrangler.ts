// The wrangler commands preflight runs against the Cloudflare account, and reading what they print.

import { execFile } from "node:child_process";
import path from "node:path";
import type { CommandResult } from "./checks";

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wrangler <args>`; injectable so the runner is tested without an account. */
export type RunWrangler = (args: string[]) => Promise<CommandOutput>;

const WRANGLER = path.join(import.meta.dirname, "..", "..", "node_modules", "wrangler", "bin", "wrangler.js");
/** Pages of `wrangler queues list` read at most; an account has far fewer. */
const MAX_PAGES = 50;

export const runWrangler: RunWrangler = (args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [WRANGLER, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what an ANSI colour code starts with
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/** The `name` column of the table `wrangler queues list` prints. */
export function parseQueueTable(stdout: string): string[] {
  const rows = stripAnsi(stdout)
    .split(/\r?\n/)
    .filter((line) => line.includes("│"))
    .map((line) =>
      line
        .split("│")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const column = rows[0]?.indexOf("name") ?? -1;
  if (column < 0) return [];
  return rows.slice(1).flatMap((row) => (row[column] ? [row[column]!] : []));
}

/** `wrangler secret list` prints a JSON array of { name, type }. */
export function parseSecretList(stdout: string): string[] | undefined {
  const text = stripAnsi(stdout);
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start < 0 || end < start) return undefined;
  try {
    const list = JSON.parse(text.slice(start, end + 1)) as Array<{ name?: unknown }>;
    return list.flatMap((s) => (typeof s.name === "string" ? [s.name] : []));
  } catch {
    return undefined;
  }
}

/** Wrangler's own explanation of a failure: its [ERROR] lines, else the end of what it printed. */
export function wranglerError(output: CommandOutput): string {
  const lines = stripAnsi(`${output.stderr}\n${output.stdout}`)
    .split(/\r?\n/)
    .map((l) => l.trim());
  const errorAt = lines.findIndex((l) => l.includes("[ERROR]"));
  // The error's paragraph: up to the first blank line after it.
  const end = errorAt >= 0 ? lines.indexOf("", errorAt) : -1;
  const picked = errorAt >= 0 ? lines.slice(errorAt, end < 0 ? undefined : end) : lines.filter(Boolean).slice(-3);
  return picked.join(" ").replace(/^✘\s*/, "").trim() || `wrangler exited with ${output.code}`;
}

export async function listQueues(run: RunWrangler, configPath: string): Promise<CommandResult<string[]>> {
  const names: string[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const output = await run(["queues", "list", "--page", String(page), "-c", configPath]);
    if (output.code !== 0) return { ok: false, error: wranglerError(output) };
    const fresh = parseQueueTable(output.stdout).filter((name) => !names.includes(name));
    if (fresh.length === 0) break;
    names.push(...fresh);
  }
  return { ok: true, value: names };
}

export async function listSecrets(run: RunWrangler, configPath: string): Promise<CommandResult<string[]>> {
  const output = await run(["secret", "list", "--format", "json", "-c", configPath]);
  if (output.code !== 0) return { ok: false, error: wranglerError(output) };
  const names = parseSecretList(output.stdout);
  return names ? { ok: true, value: names } : { ok: false, error: `unexpected output from wrangler secret list: ${output.stdout.slice(0, 200)}` };
}
