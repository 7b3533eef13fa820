// A throwaway local deployment of this worker for runs outside the test pool (the dashboard's browser test, the load
// run): wrangler's startWorker API with miniflare's `outboundService`, so every fetch the worker makes (its SNS signing
// certificate) is answered by the caller instead of the network, and nothing in the worker is switched off.
//
// State lives in a fresh temporary directory (`--persist-to` layout), migrated with `wrangler d1 migrations apply
// --local`, so a run never reads or changes the developer's `.wrangler/` state; secrets are the test-only ones
// (./secrets.ts), so a developer's `.dev.vars` is never used or needed. Runs in Node only.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { unstable_startWorker } from "wrangler";
import { TEST_SECRETS } from "./secrets.ts";
import { TEST_SNS_TOPIC_ARN } from "./sns-topic.ts";

export const HOST = "127.0.0.1";
export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** Variables that differ from wrangler.toml for a local run: /sns is closed unless a topic is listed. */
export const LOCAL_VARS = {
  SNS_TOPIC_ARNS: TEST_SNS_TOPIC_ARN,
};

/** wrangler also reads required secrets from the environment: give it the same test-only values. */
export function wranglerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_SECRETS, CI: "1" };
  // `d1 execute --json` prints its answer at the info level: a quieter level set for this process must not reach it.
  delete env.WRANGLER_LOG;
  return env;
}

/** Run a wrangler command to completion; its standard output, or an error with both outputs. */
export function wrangler(args: string[], cwd = ROOT): string {
  const result = spawnSync(WRANGLER, args, { cwd, encoding: "utf8", env: wranglerEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A TCP port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface InterceptedWorker {
  origin: string;
  /** The `--persist-to` directory holding this run's D1 and Queues state (removed by stop()). */
  stateDir: string;
  stop(): Promise<void>;
}

/** Hands each worker log line to `onLine`, and prints warnings and errors as wrangler's own handler would at "warn". */
function workerLogHandler(onLine: (level: string, message: string) => void) {
  return ({ level, message }: { level: string; message: string }) => {
    onLine(level, message);
    if (level === "warn") console.warn(message);
    else if (level === "error") console.error(message);
  };
}

/**
 * Start the worker (wrangler.toml, its [build] step and static assets included) with fresh local state on a free
 * loopback port; every fetch it makes goes to `outbound` instead of the network. `config` names another wrangler
 * configuration (a benchmark's baseline worker) instead of the project's.
 */
export async function startInterceptedWorker(options: {
  outbound: (request: Request) => Promise<Response> | Response;
  log?: (line: string) => void;
  config?: string;
  /** Every line the worker logs (its console), with its level; warnings and errors are still printed. */
  onWorkerLog?: (level: string, message: string) => void;
}): Promise<InterceptedWorker> {
  const log = options.log ?? (() => {});
  const config = options.config ?? path.join(ROOT, "wrangler.toml");
  const stateDir = mkdtempSync(path.join(tmpdir(), "mail-tracker-local-"));
  log(`applying migrations into ${stateDir}`);
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir, "--config", config]);

  // In-process wrangler logs every request and queue batch at "info"; at load that is most of the work.
  process.env.WRANGLER_LOG ??= "warn";
  // Miniflare would fetch the Request.cf template from workers.cloudflare.com: a local run uses its placeholder.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  const port = await freePort();
  const bindings = Object.fromEntries([
    ...Object.entries(TEST_SECRETS).map(([name, value]) => [name, { type: "secret_text" as const, value }]),
    ...Object.entries(LOCAL_VARS).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  ]);
  const worker = await unstable_startWorker({
    config,
    bindings,
    dev: {
      server: { hostname: HOST, port },
      inspector: false,
      persist: stateDir,
      watch: false,
      logLevel: "warn",
      outboundService: options.outbound,
      ...(options.onWorkerLog ? { structuredLogsHandler: workerLogHandler(options.onWorkerLog) } : {}),
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
    async stop() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await stop();
    },
  };
}
