// The real wrangler runner pointed at the fake wrangler executable, over a fake account kept in a temp file.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { wranglerRunner } from "../../../scripts/setup/wrangler";
import { emptyAccount, type FakeAccountState, type FakeCall } from "./fake-wrangler";

const FAKE_BIN = path.join(import.meta.dirname, "fake-wrangler-bin.ts");

/** A fake account on disk and the real runner spawning the fake wrangler executable on it. */
export function spawnedFake(state: FakeAccountState = emptyAccount()) {
  const dir = mkdtempSync(path.join(tmpdir(), "wrangler-fake-"));
  const statePath = path.join(dir, "state.json");
  const callsPath = path.join(dir, "calls.jsonl");
  writeFileSync(statePath, JSON.stringify(state));
  writeFileSync(callsPath, "");
  const run = wranglerRunner([process.execPath, FAKE_BIN], {
    PATH: process.env.PATH,
    FAKE_WRANGLER_STATE: statePath,
    FAKE_WRANGLER_CALLS: callsPath,
  });
  return {
    run,
    state: () => JSON.parse(readFileSync(statePath, "utf8")) as FakeAccountState,
    calls: () =>
      readFileSync(callsPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FakeCall),
  };
}
