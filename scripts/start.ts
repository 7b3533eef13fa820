// `npm start`: local secrets, local D1 migrations, then `wrangler dev` on 127.0.0.1:8787 and a working example.
import { spawn, spawnSync } from "node:child_process";
import { keyRing } from "../src/tracking/keys";
import { mintLinks } from "../src/tracking/links";
import { DEV_VARS, ensureDevVars, readDevVars } from "./dev-vars";

const HOST = "127.0.0.1";
const PORT = 8787;
const ORIGIN = `http://${HOST}:${PORT}`;

const { created, filled } = ensureDevVars();
if (created) console.log(`Created ${DEV_VARS} with fresh local secrets (${filled.join(", ")}).`);
else if (filled.length) console.log(`Filled missing local secrets in ${DEV_VARS}: ${filled.join(", ")}.`);

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], { stdio: "inherit", env: { ...process.env, CI: "1" } });
if (migrate.status !== 0) {
  console.error("Applying the local D1 migrations failed; see above.");
  process.exit(migrate.status ?? 1);
}

const children = [spawn("wrangler", ["dev", "--ip", HOST, "--port", String(PORT)], { stdio: "inherit" })];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}
children[0]!.on("exit", (code) => {
  for (const child of children) child.kill();
  process.exit(code ?? 0);
});

async function waitForHealth(deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${ORIGIN}/healthz`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

if (await waitForHealth(Date.now() + 120_000)) {
  const links = await mintLinks(ORIGIN, await keyRing(readDevVars().TRACKING_KEYS), {
    campaignId: "demo",
    contact: "demo@example.com",
    url: "https://example.com/",
  });
  console.log(`
mail-tracker is running on ${ORIGIN}

  Tracked pixel (campaign "demo"):  ${links.pixel}
  Tracked click (campaign "demo"):  ${links.click}
  Unsubscribe page:                 ${links.unsubscribe}

  API token: API_TOKEN in ${DEV_VARS} (send it as "Authorization: Bearer <token>")
  Mint your own: npm run link -- --campaign demo --contact you@example.com --url https://example.com/
`);
}
