// What every setup step shares: the configuration, the runner, the report, and how a command is read or run.

import type { Report } from "../connect-ses/report";
import type { ConfigView } from "../preflight/checks";
import { wranglerError } from "../preflight/wrangler";
import { type CommandOutput, type RunWrangler, shown } from "./wrangler";

/** The parts of wrangler's parsed configuration setup provisions (preflight's view, plus buckets and the account). */
export interface SetupConfig extends ConfigView {
  account_id?: string;
  r2_buckets?: Array<{ binding: string; bucket_name?: string; jurisdiction?: string }>;
}

export interface SetupContext {
  config: SetupConfig;
  configPath: string;
  run: RunWrangler;
  report: Report;
  dryRun: boolean;
  /** Keeps a generated secret's value for the user (printed, or written to --secrets-file). */
  keepSecret(name: string, value: string): void;
}

/** A step that cannot reach its goal: setup stops there, prints the headline and what to do, and exits 1. */
export class SetupError extends Error {
  readonly fix: string[];
  constructor(headline: string, ...fix: string[]) {
    super(headline);
    this.name = "SetupError";
    this.fix = fix;
  }
}

/**
 * What to do about a failed read. wrangler picks the account itself (CLOUDFLARE_ACCOUNT_ID, account_id, the choice it
 * remembers); only when it cannot, with several accounts and no terminal, does it refuse, listing them.
 */
export function accountFix(error: string): string[] {
  if (/more than one account/i.test(error)) {
    return [
      "choose the account from that list: export CLOUDFLARE_ACCOUNT_ID=<its id> (or account_id in wrangler.toml), then run npm run setup again",
    ];
  }
  return ["log in (npx wrangler login, or CLOUDFLARE_API_TOKEN in CI) and run npm run setup again"];
}

/** A command that only reads: run in a dry run too, and listed there. */
export async function read(ctx: SetupContext, args: string[]): Promise<CommandOutput> {
  const full = [...args, "-c", ctx.configPath];
  if (ctx.dryRun) ctx.report.info(`reading: ${shown(full)}`);
  const output = await ctx.run(full);
  if (output.code !== 0) {
    const error = wranglerError(output);
    throw new SetupError(`${shown(full)} failed: ${error}`, ...accountFix(error));
  }
  return output;
}

/**
 * A command that changes the account: printed, and run unless this is a dry run (then undefined). `input` goes to
 * its stdin, and is never printed.
 */
export async function change(
  ctx: SetupContext,
  args: string[],
  input?: string,
  hint?: (error: string) => string[],
): Promise<CommandOutput | undefined> {
  const full = [...args, "-c", ctx.configPath];
  const note = input === undefined ? "" : "   (the value on stdin)";
  if (ctx.dryRun) {
    ctx.report.info(`would run: ${shown(full)}${note}`);
    return undefined;
  }
  ctx.report.info(`running: ${shown(full)}${note}`);
  const output = await ctx.run(full, input);
  if (output.code !== 0) {
    const error = wranglerError(output);
    throw new SetupError(
      `${shown(args)} failed: ${error}`,
      ...(hint?.(error) ?? []),
      "fix that, then run npm run setup again: it creates only what is still missing",
    );
  }
  return output;
}

/** The JSON wrangler printed, around any banner or warning lines. */
export function jsonIn(stdout: string, open: "[" | "{"): unknown {
  const close = open === "[" ? "]" : "}";
  const start = stdout.indexOf(open);
  const end = stdout.lastIndexOf(close);
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(stdout.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
