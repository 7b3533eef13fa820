// `npm start`: local secrets, local D1 migrations, the local SES (emulator and event publisher), then wrangler's dev
// server (its startWorker API: what `wrangler dev` runs, with the bindings it would drop) on 127.0.0.1:8787.
import { spawnSync } from "node:child_process";
import { unstable_readConfig, unstable_startWorker } from "wrangler";
import { parseTopicAllowList } from "../src/config/sns-topics";
import { keyRing } from "../src/config/tracking-keys";
import { mintLinks } from "../src/tracking/links";
import { DEV_VARS, ensureDevVars, LOCAL_SES_ENDPOINT, LOCAL_SNS_TOPIC_ARN, readDevVars } from "./dev-vars";
import { localWorkerBindings } from "./local-bindings";
import { type LocalSes, startLocalSes } from "./local-ses/local-ses";

const HOST = "127.0.0.1";
const PORT = 8787;
const ORIGIN = `http://${HOST}:${PORT}`;
const CONFIG = "wrangler.toml";

const { created, filled } = ensureDevVars();
if (created) console.log(`Created ${DEV_VARS} with fresh local secrets (${filled.join(", ")}).`);
else if (filled.length) console.log(`Filled missing local secrets in ${DEV_VARS}: ${filled.join(", ")}.`);

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], { stdio: "inherit", env: { ...process.env, CI: "1" } });
if (migrate.status !== 0) {
  console.error("Applying the local D1 migrations failed; see above.");
  process.exit(migrate.status ?? 1);
}

// Sending goes to the local SES (its default address, which .dev.vars names as SES_ENDPOINT), never to AWS; for every
// mail it accepts it posts the events SES would publish, signed, to /sns (scripts/local-ses/local-ses.ts).
const sesUrl = new URL(LOCAL_SES_ENDPOINT);
let ses: LocalSes | null = null;
try {
  ses = await startLocalSes({
    host: sesUrl.hostname,
    port: Number(sesUrl.port),
    workerOrigin: ORIGIN,
    topicArn: LOCAL_SNS_TOPIC_ARN,
    log: (line) => console.log(line),
  });
} catch (err) {
  console.warn(
    `The local SES could not listen on ${LOCAL_SES_ENDPOINT} (${(err as Error).message}); if an SES emulator is already running there, sending still works, but no SES events reach /sns.`,
  );
}
const devVars = readDevVars();
if (ses && !parseTopicAllowList(devVars.SNS_TOPIC_ARNS ?? "").has(LOCAL_SNS_TOPIC_ARN)) {
  console.warn(`SNS_TOPIC_ARNS in ${DEV_VARS} does not list ${LOCAL_SNS_TOPIC_ARN}: /sns will refuse the local SES events.`);
}

// wrangler's own dev server, started through its API so that the optional secrets of .dev.vars reach the worker
// (scripts/local-bindings.ts says why `wrangler dev` alone drops them), and the local certificate is trusted.
const worker = await unstable_startWorker({
  config: CONFIG,
  bindings: localWorkerBindings(devVars, unstable_readConfig({ config: CONFIG }), ses?.certificateUrl ?? null),
  dev: { server: { hostname: HOST, port: PORT } },
} as Parameters<typeof unstable_startWorker>[0]);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await worker.dispose().catch(() => {});
    await ses?.close().catch(() => {});
  }
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
await worker.ready;

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
  const links = await mintLinks(ORIGIN, await keyRing(devVars.TRACKING_KEYS), {
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
  SES events: mail to success@, bounce@, complaint@, suppressionlist@ or ooto@simulator.amazonses.com comes back to
  /sns as SES would publish it (signed by the local SES; SNS_LOCAL_CERTIFICATE_URL trusts its certificate)${ses ? "" : " (off: see the warning above)"}

  Dashboard:                        ${ORIGIN}/dashboard (sign in with the API token)
  API token: API_TOKEN in ${DEV_VARS} (send it as "Authorization: Bearer <token>")
  Mint your own: npm run link -- --campaign demo --contact you@example.com --url https://example.com/
`);
}
