// Running wrangler for setup: a child process whose stdin carries a secret's value (never its arguments).

import { spawn } from "node:child_process";
import path from "node:path";
import type { CommandOutput } from "../preflight/wrangler";

export type { CommandOutput } from "../preflight/wrangler";

/** Runs `wrangler <args>`, `input` written to its stdin; injectable so setup is tested without an account. */
export type RunWrangler = (args: string[], input?: string) => Promise<CommandOutput>;

const WRANGLER = path.join(import.meta.dirname, "..", "..", "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * A runner of `command` (by default this repository's wrangler, under the running Node). stdin is always a pipe that
 * is closed after `input`: wrangler then never prompts (it reads a secret from stdin, and answers its own
 * confirmations with their non-interactive defaults) and never waits on the terminal.
 */
export function wranglerRunner(command: string[] = [process.execPath, WRANGLER], env: NodeJS.ProcessEnv = process.env): RunWrangler {
  const [file, ...prefix] = command;
  if (!file) throw new Error("wranglerRunner: empty command");
  return (args, input) =>
    new Promise((resolve) => {
      const child = spawn(file, [...prefix, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("error", (err) => resolve({ code: 127, stdout, stderr: `${stderr}\n[ERROR] could not run wrangler: ${err.message}` }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A child that exits before reading its stdin closes the pipe: nothing to report beyond its exit code.
      child.stdin.on("error", () => {});
      child.stdin.end(input ?? "");
    });
}

/** How a command is shown to the user: as they would type it. */
export const shown = (args: string[]) => `npx wrangler ${args.join(" ")}`;
