// `npm run setup [-- --dry-run] [--config wrangler.toml] [--secrets-file <path>]`: what wrangler.toml names, on Cloudflare.
import { existsSync } from "node:fs";
import { wranglerRunner } from "./setup/wrangler";
import { commandLine, usageError as fail } from "./command-line";

const USAGE = `usage: npm run setup [-- options]

Creates on your Cloudflare account what wrangler.toml names and is missing: the D1 database (its id written into
wrangler.toml), every queue and dead-letter queue, every R2 bucket, and the required secrets with fresh random values.
Safe to run again: it creates only what is missing and never replaces a secret that is set.

  --dry-run               run only the reads; print every command that would change something
  --config <path>         wrangler configuration (default wrangler.toml)
  --secrets-file <path>   append the generated secret values to this new file (mode 600) instead of printing them

Log in first: npx wrangler login (in CI: CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID).`;

function usageError(message: string): never {
  return fail(USAGE, message);
}

const values = commandLine(USAGE, {
  "dry-run": { type: "boolean", default: false },
  config: { type: "string", default: "wrangler.toml" },
  "secrets-file": { type: "string" },
});
if (!existsSync(values.config)) usageError(`${values.config} does not exist`);
const secretsFile = values["secrets-file"];
if (secretsFile !== undefined && existsSync(secretsFile))
  usageError(`--secrets-file ${secretsFile} exists: give a new file (it is never overwritten)`);

// Loaded only now: wrangler's configuration reader is most of the start-up, and --help or a usage error needs none.
const { setup } = await import("./setup/run");
const ok = await setup({
  configPath: values.config,
  run: wranglerRunner(),
  dryRun: values["dry-run"],
  out: (line) => console.log(line),
  secretsFile,
});
process.exit(ok ? 0 : 1);
