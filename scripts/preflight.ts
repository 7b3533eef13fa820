// `npm run preflight [-- --config wrangler.toml]`: what would stop a production deploy, each with how to fix it.
import { parseArgs } from "node:util";
import { preflight } from "./preflight/run";
import { runWrangler } from "./preflight/wrangler";

const USAGE = "usage: npm run preflight [-- --config wrangler.toml]";

// biome-ignore lint/suspicious/noImplicitAnyLet: TypeScript types it from the parseArgs assignment below
let values;
try {
  ({ values } = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" }, help: { type: "boolean", short: "h" } } }));
} catch (err) {
  console.error(`error: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const ok = await preflight({
  configPath: values.config,
  run: runWrangler,
  trackingKeys: process.env.TRACKING_KEYS || undefined,
  out: (line) => console.log(line),
});
process.exit(ok ? 0 : 1);
