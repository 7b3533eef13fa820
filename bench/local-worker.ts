// A throwaway local deployment for benchmarks and load runs: `wrangler dev` on 127.0.0.1, its own D1/Queues state.
//
// State lives in a fresh temporary directory (`--persist-to`), migrated with `wrangler d1 migrations apply --local`,
// so a run never reads or changes the developer's `.wrangler/` state, and secrets come from an env file of test-only
// values (test/support/secrets.ts) so a developer's `.dev.vars` is never used or needed.
import { spawn, type ChildProcess } from "node:child_process";
import { experimental_readRawConfig } from "wrangler";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readLocalD1 } from "./local-state.ts";
import { TEST_SECRETS } from "../test/support/secrets.ts";
import { freePort, HOST, LOCAL_VARS, ROOT, wrangler, wranglerEnv } from "../test/support/local-worker.ts";

export { freePort, HOST, LOCAL_VARS, ROOT };
export const run = wrangler;
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

export interface LocalWorker {
  origin: string;
  /** The `--persist-to` directory holding this run's D1 and Queues state. */
  stateDir: string;
  /** The wrangler dev process (its workerd children run the worker). */
  pid: number;
  /**
   * Rows from the local D1 database, read directly from its SQLite file (bench/local-state.ts: the one module that
   * knows where that file is). Milliseconds per poll instead of seconds.
   */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The same through `wrangler d1 execute --local --persist-to` (D1's own tooling; slow: a process per call). */
  queryWithWrangler<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The workerd processes serving the worker (for CPU accounting). */
  workerdPids(): number[];
  stop(): Promise<void>;
}

/** Parent pid of a process, from /proc (Linux). */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may contain spaces: fields are counted after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** Pids of the processes named `name` that descend from `root`. */
export function descendantsNamed(root: number, name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (comm !== name) continue;
    for (let p: number | null = pid, hops = 0; p && p > 1 && hops < 16; p = parentOf(p), hops++) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

async function waitForHealth(origin: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${origin}/healthz in time`);
}

/** Events the local D1 database holds: what every benchmark polls while the queue drains. */
export async function storedEvents(worker: Pick<LocalWorker, "query">): Promise<number> {
  return (await worker.query<{ n: number }>("SELECT count(*) AS n FROM events"))[0]?.n ?? 0;
}

/** Reading the local D1 database of a `--persist-to` directory: its SQLite file directly, or through wrangler. */
export function localD1(stateDir: string): Pick<LocalWorker, "query" | "queryWithWrangler"> {
  return {
    async query<T>(sql: string): Promise<T[]> {
      return readLocalD1<T>(stateDir, sql);
    },
    async queryWithWrangler<T>(sql: string): Promise<T[]> {
      const text = run(["d1", "execute", "DB", "--local", "--persist-to", stateDir, "--json", "--command", sql], ROOT);
      const parsed = JSON.parse(text) as Array<{ results: T[] }>;
      return parsed.flatMap((p) => p.results);
    },
  };
}

/**
 * A bench-only copy of wrangler.toml without the consumer of `queue`: producers still send to it, nothing drains it,
 * so the edge can be measured without the pipeline competing for the same cores. Written as JSON next to
 * wrangler.toml (wrangler resolves `main`, `migrations_dir`, `[build]` and `[assets]` relative to the config file) and
 * deleted when the worker stops; wrangler.toml itself is never changed.
 */
function configWithoutConsumer(queue: string): string {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, "wrangler.toml") });
  const consumers: { queue: string }[] = rawConfig.queues?.consumers ?? [];
  if (!consumers.some((c) => c.queue === queue)) throw new Error(`wrangler.toml has no consumer of ${queue}`);
  const file = path.join(ROOT, `wrangler.bench-${process.pid}-${Date.now()}.json`);
  const config = { ...rawConfig, queues: { ...rawConfig.queues, consumers: consumers.filter((c) => c.queue !== queue) } };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** The test secrets and local vars as an env file in the state directory, readable by this user only. */
function writeEnvFile(stateDir: string): string {
  const envFile = path.join(stateDir, "secrets.env");
  writeFileSync(
    envFile,
    Object.entries({ ...TEST_SECRETS, ...LOCAL_VARS })
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  return envFile;
}

interface DevOptions {
  script?: string;
  configFile?: string;
  port: number;
  inspectorPort: number;
  stateDir: string;
  envFile: string;
}

/** `wrangler dev` on loopback, its output into wrangler-dev.log in the state directory. */
function spawnWranglerDev(o: DevOptions): ChildProcess {
  const out = createWriteStream(path.join(o.stateDir, "wrangler-dev.log"));
  const child = spawn(
    WRANGLER,
    [
      "dev",
      ...(o.script ? [o.script] : []),
      ...(o.configFile ? ["--config", o.configFile] : []),
      "--ip",
      HOST,
      "--port",
      String(o.port),
      "--inspector-port",
      String(o.inspectorPort),
      "--persist-to",
      o.stateDir,
      "--env-file",
      o.envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    // Its own process group, so stopping it ends the workerd children it started and nothing else.
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv() },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

/** Signal `child`'s process group; it may be gone already. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/**
 * The `stop` of a started worker: ends its process group (SIGTERM, then SIGKILL after 5 s) and removes its state
 * and config. Until then the group is also killed when this process exits or is interrupted.
 */
function stopper(child: ChildProcess, stateDir: string, configFile: string | undefined): () => Promise<void> {
  // The child has its own process group, so Ctrl-C or a hard exit here would leave it running: end it then too.
  const onExit = () => {
    if (configFile) rmSync(configFile, { force: true });
    killGroup(child, "SIGKILL");
  };
  const onSignal = () => {
    onExit();
    process.exit(130);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  return async () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      killGroup(child, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) killGroup(child, "SIGKILL");
    }
    rmSync(stateDir, { recursive: true, force: true });
    if (configFile) rmSync(configFile, { force: true });
  };
}

/**
 * Start the worker with fresh local state; resolves once /healthz answers. `script` replaces wrangler.toml's `main`
 * (bindings unchanged): a bench-only entry that wraps the production worker. `undrainedQueue` names a queue whose
 * consumer is left out (see configWithoutConsumer).
 */
export async function startLocalWorker(
  options: { log?: (line: string) => void; script?: string; undrainedQueue?: string } = {},
): Promise<LocalWorker> {
  const log = options.log ?? (() => {});
  const stateDir = mkdtempSync(path.join(tmpdir(), "mail-tracker-local-"));
  const configFile = options.undrainedQueue ? configWithoutConsumer(options.undrainedQueue) : undefined;
  const envFile = writeEnvFile(stateDir);

  log(`applying migrations into ${stateDir}`);
  run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], ROOT);

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const origin = `http://${HOST}:${port}`;
  const child = spawnWranglerDev({ script: options.script, configFile, port, inspectorPort, stateDir, envFile });
  log(`wrangler dev (pid ${child.pid}) on ${origin}; log: ${path.join(stateDir, "wrangler-dev.log")}`);
  const stop = stopper(child, stateDir, configFile);

  try {
    await waitForHealth(origin, child, Date.now() + 120_000);
  } catch (err) {
    const tail = readFileSync(path.join(stateDir, "wrangler-dev.log"), "utf8").slice(-4000);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }

  return {
    origin,
    stateDir,
    pid: child.pid!,
    ...localD1(stateDir),
    workerdPids: () => descendantsNamed(child.pid!, "workerd"),
    stop,
  };
}
