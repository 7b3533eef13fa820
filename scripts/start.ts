// `npm start`: local secrets, local D1 migrations, the local SES emulator, then `wrangler dev` on 127.0.0.1:8787.
import { spawn, spawnSync } from "node:child_process";
import { keyRing } from "../src/tracking/keys";
import { mintLinks } from "../src/tracking/links";
import { DEV_VARS, ensureDevVars, LOCAL_SES_ENDPOINT, readDevVars } from "./dev-vars";
import { startSesEmulator, type RunningEmulator } from "./ses-emulator";

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

// Sending goes to the SES emulator (its default address, which .dev.vars names as SES_ENDPOINT), never to AWS.
const sesUrl = new URL(LOCAL_SES_ENDPOINT);
let ses: RunningEmulator | null = null;
try {
  ses = await startSesEmulator(sesUrl.hostname, Number(sesUrl.port));
} catch (err) {
  console.warn(
    `The SES emulator could not listen on ${LOCAL_SES_ENDPOINT} (${(err as Error).message}); if one is already running there, sending still works.`,
  );
}

const children = [spawn("wrangler", ["dev", "--ip", HOST, "--port", String(PORT)], { stdio: "inherit" })];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}
children[0]!.on("exit", async (code) => {
  for (const child of children) child.kill();
  await ses?.close();
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
  Local SES (emails sent via POST /api/send land here, with a web viewer): ${LOCAL_SES_ENDPOINT}

  Dashboard:                        ${ORIGIN}/dashboard (sign in with the API token)
  API token: API_TOKEN in ${DEV_VARS} (send it as "Authorization: Bearer <token>")
  Mint your own: npm run link -- --campaign demo --contact you@example.com --url https://example.com/
`);
}
