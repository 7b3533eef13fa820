// Step 5: every secret of [secrets] required is set on the worker; a missing one is generated and put, one that exists
// is never replaced.

import { SECRET_GENERATORS } from "../dev-vars-text";
import { listSecrets } from "../preflight/wrangler";
import { accountFix, change, SetupError, type SetupContext } from "./context";
import { shown } from "./wrangler";

/** What replacing a secret that is set would break: why setup never does it. */
const NEVER_REPLACED: Record<string, string> = {
  API_TOKEN: "a new one would lock out every API client and dashboard session using it",
  TRACKING_KEYS: "a new one would break every tracking link already mailed",
  ERASURE_KEY: "a new one would forget who was erased",
};

/** The secrets set on the worker; none when it is not on the account yet (the first `secret put` creates it). */
async function setSecrets(ctx: SetupContext): Promise<string[]> {
  if (ctx.dryRun) ctx.report.info(`reading: ${shown(["secret", "list", "--format", "json", "-c", ctx.configPath])}`);
  const listed = await listSecrets(ctx.run, ctx.configPath);
  if (listed.ok) return listed.value;
  if (/Worker ".*" (\(env: .*\) )?not found/.test(listed.error)) {
    ctx.report.info(`the worker ${ctx.config.name ?? ""} is not on the account yet: the first secret put creates it (empty until npm run deploy)`);
    return [];
  }
  throw new SetupError(`could not list the worker's secrets: ${listed.error}`, ...accountFix(listed.error));
}

export async function ensureSecrets(ctx: SetupContext): Promise<void> {
  const required = ctx.config.secrets?.required ?? [];
  if (required.length === 0) {
    ctx.report.info("wrangler.toml requires no secret ([secrets] required)");
    return;
  }
  const set = await setSecrets(ctx);
  for (const name of required) {
    if (set.includes(name)) {
      ctx.report.outcome(
        "already as wanted",
        `secret ${name} is set: kept, never replaced (${NEVER_REPLACED[name] ?? "setup never replaces a secret"})`,
      );
      continue;
    }
    const generate = SECRET_GENERATORS[name];
    if (!generate) {
      ctx.report.todo(`secret ${name} is required and setup cannot make its value: npx wrangler secret put ${name}`);
      continue;
    }
    const value = generate();
    try {
      if (!(await change(ctx, ["secret", "put", name], value))) {
        ctx.report.outcome("would create", `secret ${name}, a fresh random value`);
        continue;
      }
    } catch (err) {
      // The put may have reached Cloudflare before failing: the value it may hold must not be lost.
      ctx.keepSecret(name, value);
      throw err;
    }
    ctx.keepSecret(name, value);
    ctx.report.outcome("created", `secret ${name}, a fresh random value`);
  }
}
