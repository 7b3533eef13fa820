// A throwaway local deployment whose outbound fetches are answered by the load run: wrangler's startWorker API
// with miniflare's `outboundService`, so the worker fetches its SNS signing certificate for real (the production
// code path, nothing switched off) and the harness serves the test certificate on that URL, as vi.spyOn does in tests.
//
// The same fresh state as bench/local-worker.ts (`--persist-to` layout in a temporary directory, migrated with
// `wrangler d1 migrations apply --local`) and the same test-only secrets; the worker still runs in its own workerd
// process, only wrangler's orchestration lives in this process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unstable_startWorker } from "wrangler";
import { TEST_SECRETS } from "../test/support/secrets.ts";
import { descendantsNamed, freePort, HOST, LOCAL_VARS, localD1, ROOT, run, type LocalWorker } from "./local-worker.ts";

/** Start the worker with fresh local state; every fetch it makes goes to `outbound` instead of the network. */
export async function startInterceptedWorker(options: { outbound: (request: Request) => Promise<Response> | Response; log?: (line: string) => void }): Promise<LocalWorker> {
  const log = options.log ?? (() => {});
  const stateDir = mkdtempSync(path.join(tmpdir(), "mail-tracker-local-"));
  log(`applying migrations into ${stateDir}`);
  run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], ROOT);

  // In-process wrangler logs every request and queue batch at "info"; at load that is most of the work.
  process.env.WRANGLER_LOG ??= "warn";
  const port = await freePort();
  const bindings = Object.fromEntries([
    ...Object.entries(TEST_SECRETS).map(([name, value]) => [name, { type: "secret_text" as const, value }]),
    ...Object.entries(LOCAL_VARS).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  ]);
  const worker = await unstable_startWorker({
    config: path.join(ROOT, "wrangler.toml"),
    bindings,
    dev: {
      server: { hostname: HOST, port },
      inspector: false,
      persist: stateDir,
      watch: false,
      logLevel: "warn",
      outboundService: options.outbound,
    },
  } as Parameters<typeof unstable_startWorker>[0]);
  await worker.ready;
  const origin = `http://${HOST}:${port}`;
  log(`worker (wrangler startWorker, outbound fetches intercepted) on ${origin}`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await worker.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  return {
    origin,
    stateDir,
    pid: process.pid,
    ...localD1(stateDir),
    workerdPids: () => descendantsNamed(process.pid, "workerd"),
    async stop() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await stop();
    },
  };
}
