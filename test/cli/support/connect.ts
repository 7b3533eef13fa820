// Running connect-ses in-process against the fake AWS: a temp copy of wrangler.toml, a virtual clock, captured output.

import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { awsSettingsFromEnv } from "../../../scripts/aws/client";
import { connectSes, type ConnectOptions } from "../../../scripts/connect-ses/run";
import type { FakeAws } from "./fake-aws";

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
    out: (line) => lines.push(line),
    wait: { timeoutMs: 60_000, intervalMs: 3_000, ...clock },
    ...options,
  });
  return { ok, output: lines.join("\n"), slept: clock.now() };
}
