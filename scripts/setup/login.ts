// Step 1: logged in to Cloudflare, on one account wrangler can pick without asking.

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
  const chosen = ctx.env.CLOUDFLARE_ACCOUNT_ID || ctx.config.account_id;
  if (accounts.length > 1 && !chosen) {
    throw new SetupError(
      `this login reaches ${accounts.length} Cloudflare accounts, and wrangler must be told which one to set up`,
      ...accounts.map((a) => `export CLOUDFLARE_ACCOUNT_ID=${a.id}   # ${a.name}`),
      "(or account_id in wrangler.toml), then run npm run setup again",
    );
  }
  const account = accounts.find((a) => a.id === chosen) ?? accounts[0];
  ctx.report.info(`logged in${who.email ? ` as ${who.email}` : ""}${account ? `, account ${account.name} (${account.id})` : ""}`);
}
