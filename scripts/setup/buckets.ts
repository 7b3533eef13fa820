// Step 4: every R2 bucket wrangler.toml names ([[r2_buckets]] bucket_name) exists, in its jurisdiction if it has one.

import { change, read, type SetupContext } from "./context";

/** The `name:` lines of `wrangler r2 bucket list` (one labelled block per bucket). */
export function parseBucketList(stdout: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what an ANSI colour code starts with
  const text = stdout.replace(/\u001b\[[0-9;]*m/g, "");
  return [...text.matchAll(/^name:\s+(\S+)\s*$/gm)].map((m) => m[1]!);
}

const jurisdictionArgs = (jurisdiction: string | undefined) => (jurisdiction ? ["--jurisdiction", jurisdiction] : []);

export async function ensureBuckets(ctx: SetupContext): Promise<void> {
  const wanted = (ctx.config.r2_buckets ?? []).filter((b) => {
    if (!b.bucket_name) ctx.report.todo(`the R2 binding ${b.binding} has no bucket_name: give it one in wrangler.toml and run npm run setup again`);
    return Boolean(b.bucket_name);
  });
  if (wanted.length === 0) {
    if ((ctx.config.r2_buckets ?? []).length === 0) ctx.report.info("wrangler.toml names no R2 bucket");
    return;
  }
  // A bucket's name is unique within its jurisdiction only: list each jurisdiction named.
  const listed = new Map<string, string[]>();
  for (const jurisdiction of new Set(wanted.map((b) => b.jurisdiction ?? ""))) {
    const output = await read(ctx, ["r2", "bucket", "list", ...jurisdictionArgs(jurisdiction)]);
    listed.set(jurisdiction, parseBucketList(output.stdout));
  }
  for (const bucket of wanted) {
    const name = bucket.bucket_name!;
    const what = `R2 bucket ${name}${bucket.jurisdiction ? ` (jurisdiction ${bucket.jurisdiction})` : ""}`;
    if (listed.get(bucket.jurisdiction ?? "")?.includes(name)) {
      ctx.report.outcome("already as wanted", what);
      continue;
    }
    const made = await change(ctx, ["r2", "bucket", "create", name, ...jurisdictionArgs(bucket.jurisdiction)]);
    ctx.report.outcome(made ? "created" : "would create", what);
  }
}
