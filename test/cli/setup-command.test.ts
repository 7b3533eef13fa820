// npm run setup as processes: the real runner spawning a fake wrangler executable (arguments, stdin, exit codes), and
// the command's own arguments.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { setup } from "../../scripts/setup/run";
import { wranglerRunner } from "../../scripts/setup/wrangler";
import { REPO, tempWranglerToml } from "./support/connect";
import { emptyAccount } from "./support/fake-wrangler";
import { spawnedFake } from "./support/spawned-wrangler";

const TSX = path.join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
const SCRIPT = path.join(REPO, "scripts", "setup.ts");

async function runWith(run: ReturnType<typeof wranglerRunner>, configPath: string) {
  const lines: string[] = [];
  const ok = await setup({ configPath, run, dryRun: false, out: (l) => lines.push(l) });
  return { ok, output: lines.join("\n") };
}

describe("setup's wrangler runner", () => {
  it("hands each secret to wrangler on stdin, never in its arguments, and a second run puts nothing", async () => {
    const fake = spawnedFake();
    const toml = tempWranglerToml();
    const first = await runWith(fake.run, toml);
    expect(first.output).toContain("Done: 12 change(s) made.");
    expect(first.ok).toBe(true);

    const secrets = fake.state().workers["mail-tracker"]!;
    expect(Object.keys(secrets)).toHaveLength(3);
    const calls = fake.calls();
    for (const [name, value] of Object.entries(secrets)) {
      expect(calls.find((c) => c.args[1] === "put" && c.args[2] === name)?.input).toBe(value);
      expect(calls.some((c) => c.args.join(" ").includes(value))).toBe(false);
    }
    // Every other command got an empty, closed stdin: wrangler could not have waited on a prompt.
    expect(calls.filter((c) => c.args[1] !== "put").every((c) => c.input === undefined)).toBe(true);

    const again = await runWith(fake.run, toml);
    expect(again.output).toContain("Nothing changed");
    expect(
      fake
        .calls()
        .slice(calls.length)
        .filter((c) => c.args.includes("put") || c.args.includes("create")),
    ).toEqual([]);
  }, 120_000);

  it("reports wrangler's exit and its [ERROR] line, and a command that cannot start", async () => {
    const fake = spawnedFake({ ...emptyAccount(), loggedIn: false });
    const { ok, output } = await runWith(fake.run, tempWranglerToml());
    expect(ok).toBe(false);
    expect(output).toContain("FAILED: not logged in to Cloudflare");

    const missing = await wranglerRunner([path.join(tmpdir(), "no-such-wrangler")])(["whoami"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("could not run wrangler");
  });
});

async function command(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TSX, SCRIPT, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "" },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run setup's arguments", () => {
  it("prints its usage with --help, and exits 2 on an unknown option, a missing config or an existing --secrets-file", async () => {
    const help = await command(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--dry-run");

    const unknown = await command(["--force"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--force'");

    const noConfig = await command(["--config", path.join(tmpdir(), "none", "wrangler.toml")]);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain("does not exist");

    const existing = path.join(mkdtempSync(path.join(tmpdir(), "setup-secrets-")), "secrets.env");
    writeFileSync(existing, "API_TOKEN=kept\n");
    const refused = await command(["--secrets-file", existing]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("is never overwritten");
    expect(readFileSync(existing, "utf8")).toBe("API_TOKEN=kept\n");
  }, 60_000);
});
