// `npm run connect-ses` as a user runs it: a child process, arguments, environment variables, exit codes; and the
// deploy --write makes, through the real wrangler runner spawning the fake wrangler executable.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunWrangler } from "../../scripts/setup/wrangler";
import { FakeAws } from "./support/fake-aws";
import { fakeCloudflare, REPO, runConnect, tempWranglerToml, topicsIn } from "./support/connect";
import { spawnedFake } from "./support/spawned-wrangler";

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
  // Without --write, or with --dry-run: no wrangler runs, so these child processes cannot reach Cloudflare.
  it("connects with the standard AWS variables, exits 0; --dry-run --write says it would write and deploy, and does neither", async () => {
    const toml = tempWranglerToml();
    const before = readFileSync(toml, "utf8");
    const first = await command(["--url", fake.workerUrl, "--config", toml], fake.env());
    expect(first.stdout).toContain("Done: ");
    expect(first.stdout).toContain("run again with --write (it writes them and deploys)");
    expect(first.code).toBe(0);
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);

    const mutations = fake.mutatingRequests().length;
    const again = await command(["--url", `${fake.workerUrl}/`, "--config", toml, "--dry-run", "--write"], fake.env());
    expect(again.stdout).toContain("would update: ");
    expect(again.stdout).toContain("would deploy: the worker (npm run deploy: preflight, remote D1 migrations, wrangler deploy)");
    expect(again.stdout).toContain("nothing was changed");
    expect(again.code).toBe(0);
    expect(readFileSync(toml, "utf8")).toBe(before);
    expect(fake.mutatingRequests()).toHaveLength(mutations);
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

describe("connect-ses --write's deploy, through the real wrangler runner", () => {
  it("runs npm run deploy's steps as wrangler processes on the --config file, each with a closed stdin, then subscribes", async () => {
    const toml = tempWranglerToml();
    fake.subscriptions.length = 0;
    fake.worker.allowedTopics = [];
    // The account as npm run setup leaves it, handed to the fake wrangler executable.
    const account = spawnedFake((await fakeCloudflare(fake, toml)).wrangler.state);
    // A deploy that succeeds reaches the worker at --url: what Cloudflare does with wrangler.toml's [vars].
    const run: RunWrangler = async (args, input) => {
      const output = await account.run(args, input);
      if (args[0] === "deploy" && output.code === 0) fake.deployWorker(topicsIn(toml));
      return output;
    };

    const result = await runConnect(fake, toml, { write: true, run });

    expect(result.ok).toBe(true);
    const changing = account.calls().filter((c) => !c.args.includes("list"));
    expect(changing).toEqual([{ args: ["d1", "migrations", "apply", "mail-tracker", "--remote", "-c", toml] }, { args: ["deploy", "-c", toml] }]);
    expect(account.state().deploys).toEqual([toml]);
    expect(result.output).toContain(`running: npx wrangler deploy -c ${toml}`);
    expect(fake.subscriptions).toMatchObject([{ confirmed: true }]);
  }, 120_000);
});
