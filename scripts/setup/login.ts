// Step 1: logged in to Cloudflare (which account wrangler acts on is its own choice: see accountFix in context.ts).

import { wranglerError } from "../preflight/wrangler";
import { jsonIn, SetupError, type SetupContext } from "./context";

interface WhoAmI {
  loggedIn?: boolean;
  email?: string;
  authType?: string;
  accounts?: Array<{ id: string; name: string }>;
}

export async function checkLogin(ctx: SetupContext): Promise<void> {
  const args = ["whoami", "--json"];
  if (ctx.dryRun) ctx.report.info("reading: npx wrangler whoami --json");
  const output = await ctx.run(args);
  const who = jsonIn(output.stdout, "{") as WhoAmI | undefined;
  if (output.code !== 0 || !who?.loggedIn) {
    throw new SetupError(
      "not logged in to Cloudflare",
      ...(who ? [] : [`wrangler whoami: ${wranglerError(output)}`]),
      "log in, then run npm run setup again:",
      "npx wrangler login        # opens the browser",
      "(in CI: set CLOUDFLARE_API_TOKEN to an API token with Workers, D1, Queues and R2 edit rights, and CLOUDFLARE_ACCOUNT_ID)",
    );
  }
  const accounts = who.accounts ?? [];
  const [only] = accounts;
  const where =
    accounts.length === 1 && only
      ? `, account ${only.name} (${only.id})`
      : accounts.length > 1
        ? `, ${accounts.length} accounts (wrangler acts on CLOUDFLARE_ACCOUNT_ID, else account_id in wrangler.toml, else the one you last chose)`
        : "";
  ctx.report.info(`logged in${who.email ? ` as ${who.email}` : ""}${where}`);
}
