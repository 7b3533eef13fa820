// Running connect-ses in-process against the fake AWS: a temp copy of wrangler.toml, a virtual clock, captured output,
// and a fake Cloudflare account whose deploys reach the fake worker.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { awsSettingsFromEnv } from "../../../scripts/aws/client";
import { connectSes, type ConnectOptions } from "../../../scripts/connect-ses/run";
import { readVars } from "../../../scripts/connect-ses/toml-vars";
import { setup } from "../../../scripts/setup/run";
import type { RunWrangler } from "../../../scripts/setup/wrangler";
import type { FakeAws } from "./fake-aws";
import { emptyAccount, FakeWrangler } from "./fake-wrangler";

export const REPO = path.join(import.meta.dirname, "..", "..", "..");

/** A copy of the repository's wrangler.toml that a run may write. */
export function tempWranglerToml(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "connect-ses-")), "wrangler.toml");
  copyFileSync(path.join(REPO, "wrangler.toml"), file);
  return file;
}

/** Time that passes only when the code under test sleeps: a bounded wait is checked without waiting. */
export function virtualClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

export interface RunResult {
  ok: boolean;
  output: string;
  /** Virtual milliseconds the run slept. */
  slept: number;
}

/** The runner a run gets unless it is given one: a test that did not plan a deploy fails rather than run wrangler. */
export const noWrangler: RunWrangler = async (args) => {
  throw new Error(`this run was not expected to run wrangler (${args.join(" ")})`);
};

/** SNS_TOPIC_ARNS as the file has it now, as a deploy would hand it to the worker. */
export function topicsIn(tomlPath: string): string[] {
  return (readVars(readFileSync(tomlPath, "utf8")).SNS_TOPIC_ARNS ?? "").split(",").filter(Boolean);
}

/**
 * What a first-time user has before connect-ses: `npm run setup` run against a fake account (database_id written,
 * queues and secrets made), routes and TRACKING_ORIGIN set as docs/DEPLOY.md asks. Each successful `wrangler deploy`
 * through `run` then gives the fake worker the file's SNS_TOPIC_ARNS, after `rolloutRequests` more POST /sns.
 */
export async function fakeCloudflare(fake: FakeAws, tomlPath: string, rolloutRequests = 0) {
  const wrangler = new FakeWrangler(emptyAccount());
  if (!(await setup({ configPath: tomlPath, run: wrangler.run, dryRun: false, out: () => {} }))) throw new Error("setup failed");
  const text = readFileSync(tomlPath, "utf8")
    .replace(
      '# routes = [{ pattern = "track.example.com", custom_domain = true }]',
      'routes = [{ pattern = "track.example.com", custom_domain = true }]',
    )
    .replace('TRACKING_ORIGIN = ""', 'TRACKING_ORIGIN = "https://track.example.com"');
  writeFileSync(tomlPath, text);
  wrangler.calls.length = 0;
  const cloudflare = {
    wrangler,
    /** Whether a deploy reaches the worker at --url (false: --url is some other worker). */
    reachesWorker: true,
    run: (async (args, input) => {
      const output = await wrangler.run(args, input);
      if (args[0] === "deploy" && output.code === 0 && cloudflare.reachesWorker) fake.deployWorker(topicsIn(tomlPath), rolloutRequests);
      return output;
    }) as RunWrangler,
    /** The commands run, as words (without -c and its path). */
    commands: () => wrangler.calls.map((c) => c.args.filter((a, i, all) => a !== "-c" && all[i - 1] !== "-c").join(" ")),
  };
  return cloudflare;
}

export async function runConnect(fake: FakeAws, tomlPath: string, options: Partial<ConnectOptions> = {}): Promise<RunResult> {
  const lines: string[] = [];
  const clock = virtualClock();
  const ok = await connectSes({
    origin: fake.workerUrl,
    settings: awsSettingsFromEnv(fake.env()),
    dryRun: false,
    write: false,
    topicName: "mail-tracker-ses",
    configurationSet: "mail-tracker",
    tomlPath,
    run: noWrangler,
    out: (line) => lines.push(line),
    wait: { timeoutMs: 60_000, intervalMs: 3_000, ...clock },
    ...options,
  });
  return { ok, output: lines.join("\n"), slept: clock.now() };
}
