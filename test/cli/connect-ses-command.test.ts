// `npm run connect-ses` as a user runs it: a child process, arguments, environment variables, exit codes.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAws } from "./support/fake-aws";
import { REPO, tempWranglerToml } from "./support/connect";

const TSX = path.join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
const SCRIPT = path.join(REPO, "scripts", "connect-ses.ts");

let fake: FakeAws;
beforeAll(async () => {
  fake = new FakeAws({ accessKeyId: "AKIAFAKECOMMAND00001", secretAccessKey: "command-secret" });
  await fake.start();
  fake.identities.set("example.com", { type: "DOMAIN", verified: true });
  fake.worker.allowedTopics = [fake.topicArn("mail-tracker-ses")];
  // Confirmed as soon as SNS is asked, so the command does not wait between polls.
  fake.worker.confirmAfterPolls = 0;
});
afterAll(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

async function command(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TSX, SCRIPT, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run connect-ses", () => {
  it("connects with the standard AWS variables, exits 0, and a second run with --dry-run finds nothing to do", async () => {
    const toml = tempWranglerToml();
    const first = await command(["--url", fake.workerUrl, "--config", toml, "--write"], fake.env());
    expect(first.stdout).toContain("Done: ");
    expect(first.code).toBe(0);
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);

    const again = await command(["--url", `${fake.workerUrl}/`, "--config", toml, "--dry-run"], fake.env());
    expect(again.stdout).toContain("Dry run: nothing would change");
    expect(again.code).toBe(0);
  });

  it("exits 1 when a step fails, after saying which", async () => {
    fake.denied.add("ses:GetAccount");
    const run = await command(["--url", fake.workerUrl, "--config", tempWranglerToml()], fake.env());
    fake.denied.clear();
    expect(run.stdout).toContain('add the IAM action "ses:GetAccount"');
    expect(run.code).toBe(1);
  });

  it("exits 2 with the usage on a missing --url, a URL with a path, or missing credentials, and calls nothing", async () => {
    const callsBefore = fake.requests.length;
    const noUrl = await command([], fake.env());
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("--url is required");
    expect(noUrl.stderr).toContain("usage: npm run connect-ses");

    const withPath = await command(["--url", "https://track.example.com/sns"], fake.env());
    expect(withPath.code).toBe(2);
    expect(withPath.stderr).toContain("--url must be the worker's origin only");

    const { AWS_SECRET_ACCESS_KEY: _, ...noSecret } = fake.env();
    const noCredentials = await command(["--url", "https://track.example.com"], noSecret);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(fake.requests.length).toBe(callsBefore);
  });
});
