// Vitest in the Workers runtime: the worker from wrangler.toml, local D1/Queues, test-only secrets.
import fs from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { TEST_API_TOKEN, TEST_AWS_ACCESS_KEY_ID, TEST_AWS_SECRET_ACCESS_KEY, TEST_TRACKING_KEYS } from "./test/secrets.ts";
import { TEST_SNS_TOPIC_ARN } from "./test/sns-topic.ts";

// Tests use fixed secrets, whatever a developer's .dev.vars holds: the bindings below override it.
const TEST_SECRETS = {
  API_TOKEN: TEST_API_TOKEN,
  TRACKING_KEYS: TEST_TRACKING_KEYS,
  AWS_ACCESS_KEY_ID: TEST_AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_ACCESS_KEY,
};
// Without a .dev.vars (CI), wrangler looks for required secrets in process.env: give it the same ones.
Object.assign(process.env, TEST_SECRETS);

/** The SNS/SES fixtures folders (test/fixtures/README.md says where each file came from). */
const FIXTURE_DIRS = ["sns", "ses"];

/**
 * The SNS/SES fixtures in the repository (test/fixtures/sns, test/fixtures/ses), read here on the Node side and
 * handed to the tests as a binding, keyed by path relative to test/fixtures. Nothing outside the repository is read.
 */
function readFixtures(): { files: Record<string, string> } {
  const root = path.join(import.meta.dirname, "test", "fixtures");
  const files: Record<string, string> = {};
  for (const dir of FIXTURE_DIRS) {
    for (const rel of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })) {
      const full = path.join(root, dir, rel);
      if (fs.statSync(full).isFile()) files[[dir, ...rel.split(path.sep)].join("/")] = fs.readFileSync(full, "utf8");
    }
  }
  return { files };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The fault and outage tests drive messages through as many attempts as the deployed queues allow.
  const wrangler = unstable_readConfig({ config: path.join(import.meta.dirname, "wrangler.toml") });
  return {
    plugins: [
      // `inject` reads what the globalSetup provided: the SES emulator's URL, never an AWS endpoint.
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // An empty D1 database on which a test replays the migrations over rows written by older versions.
          d1Databases: ["MIGRATION_TEST_DB"],
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_FIXTURES: readFixtures(),
            // Every consumer's max_retries, so the retry budgets in src/pipeline/queues.ts are checked against it.
            TEST_QUEUE_MAX_RETRIES: Object.fromEntries((wrangler.queues.consumers ?? []).map((c: { queue: string; max_retries?: number }) => [c.queue, c.max_retries ?? 3])),
            ...TEST_SECRETS,
            TRACKING_ORIGIN: "https://track.example.test",
            SES_ENDPOINT: inject("sesEndpoint"),
            SES_CONFIGURATION_SET: "mail-tracker-test",
            SEND_RATE_PER_SECOND: "50",
            // wrangler.toml ships /sns closed (no topic); the tests open it for their one topic, explicitly.
            SNS_TOPIC_ARNS: TEST_SNS_TOPIC_ARN,
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/node/ses-emulator.setup.ts"],
      setupFiles: ["./test/setup/no-aws.ts", "./test/setup/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      // The setup scripts' tests run in Node: vitest.cli.config.ts.
      exclude: [...configDefaults.exclude, "test/cli/**"],
      testTimeout: 30_000,
    },
  };
});
