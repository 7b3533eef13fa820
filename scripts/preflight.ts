// `npm run preflight [-- --config wrangler.toml]`: what would stop a production deploy, each with how to fix it.
import { preflight } from "./preflight/run";
import { runWrangler } from "./preflight/wrangler";
import { commandLine } from "./command-line";

const USAGE = "usage: npm run preflight [-- --config wrangler.toml]";

const values = commandLine(USAGE, { config: { type: "string", default: "wrangler.toml" } });

const ok = await preflight({
  configPath: values.config,
  run: runWrangler,
  trackingKeys: process.env.TRACKING_KEYS || undefined,
  out: (line) => console.log(line),
});
process.exit(ok ? 0 : 1);
