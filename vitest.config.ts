// Vitest in the Workers runtime: the worker from wrangler.toml, local D1/Queues, test-only secrets.
import fs from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { devVarKind, optionalSecretBindings } from "./scripts/local-bindings.ts";
import { readFixtureTree } from "./test/support/fixture-files.ts";
import { TEST_SECRETS } from "./test/support/secrets.ts";
import { TEST_SNS_TOPIC_ARN } from "./test/support/sns-topic.ts";

// Tests use fixed secrets, whatever a developer's .dev.vars holds: the bindings below (TEST_SECRETS) override it.
// Without a .dev.vars (CI), wrangler looks for required secrets in process.env: give it the same ones.
Object.assign(process.env, TEST_SECRETS);

/**
 * TEST_SECRETS are the tests' .dev.vars, and reach the worker by the rule `npm start` follows (scripts/local-bindings.ts):
 * the pool's nested wrangler loads the required ones, the optional ones (the AWS keys) are passed as `npm start`
 * passes them. The required ones are bound here too, so that a developer's own .dev.vars never replaces them.
 */
function testSecretBindings(wrangler: Parameters<typeof optionalSecretBindings>[1]): Record<string, string> {
  const optional = Object.fromEntries(Object.entries(optionalSecretBindings(TEST_SECRETS, wrangler)).map(([name, b]) => [name, b.value]));
  const required = Object.fromEntries(Object.entries(TEST_SECRETS).filter(([name]) => devVarKind(name, wrangler) === "required_secret"));
  const bound = { ...required, ...optional };
  const lost = Object.keys(TEST_SECRETS).filter((name) => !(name in bound));
  if (lost.length) throw new Error(`test secrets that would not reach the worker: ${lost.join(", ")}`);
  return bound;
}

/**
 * Where the tests live (test/README.md): unit/ for pure modules, integration/ for everything through the worker. A test
 * file anywhere else under test/ would silently never run, so the config refuses to start instead. test/cli/ and
 * test/e2e/ have their own Node configs (vitest.cli.config.ts, vitest.e2e.config.ts).
 */
const TEST_DIRS = ["unit", "integration"];
const OTHER_CONFIG_DIRS = ["cli", "e2e"];

function checkTestLayout(): void {
  const root = path.join(import.meta.dirname, "test");
  const stray = fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((rel) => rel.endsWith(".test.ts") && ![...TEST_DIRS, ...OTHER_CONFIG_DIRS].includes(rel.split(path.sep)[0]!));
  if (stray.length)
    throw new Error(
      `test files outside test/unit and test/integration would never run: ${stray.map((f) => `test/${f}`).join(", ")} (see test/README.md)`,
    );
}

/**
 * The SNS/SES fixtures (test/fixtures/sns, test/fixtures/ses; test/fixtures/README.md says where each file came from),
 * read here on the Node side and handed to the tests as a binding. Nothing outside the repository is read.
 */
const FIXTURE_DIRS = ["sns", "ses"];

export default defineConfig(async () => {
  checkTestLayout();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The fault and outage tests drive messages through as many attempts as the deployed queues allow.
  const wrangler = unstable_readConfig({ config: path.join(import.meta.dirname, "wrangler.toml") });
  return {
    plugins: [
      // `inject` reads what the globalSetups provided: the SES emulator's and the webhook receiver's URLs, never AWS.
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Empty D1 databases: one on which a test replays the migrations over rows written by older versions, one
          // whose rows the retention test writes in the order a deployment would have (oldest first).
          d1Databases: ["MIGRATION_TEST_DB", "RETENTION_TEST_DB"],
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_FIXTURES: { files: readFixtureTree(FIXTURE_DIRS) },
            // The cron triggers of wrangler.toml, so the worker's dispatch on them is checked against it.
            TEST_CRONS: wrangler.triggers?.crons ?? [],
            // Every consumer's max_retries, so the retry budgets in src/config/queues.ts are checked against it.
            TEST_QUEUE_MAX_RETRIES: Object.fromEntries(
              (wrangler.queues.consumers ?? []).map((c: { queue: string; max_retries?: number }) => [c.queue, c.max_retries ?? 3]),
            ),
            ...testSecretBindings(wrangler),
            TRACKING_ORIGIN: "https://track.example.test",
            SES_ENDPOINT: inject("sesEndpoint"),
            SES_CONFIGURATION_SET: "mail-tracker-test",
            SEND_RATE_PER_SECOND: "50",
            // wrangler.toml ships /sns closed (no topic); the tests open it for their one topic, explicitly.
            SNS_TOPIC_ARNS: TEST_SNS_TOPIC_ARN,
            // Bursts and honeypot windows settle a second after the last click instead of a minute.
            MACHINE_SETTLE_SECONDS: "1",
            // The suite signs with many throwaway certificates a minute; one test turns the budget down to see it hold.
            SNS_CERTIFICATE_FETCHES_PER_MINUTE: "1000",
            // The recorded Apple sample (test/fixtures/machine) has a few hundred rows, not 290,000.
            NETWORK_LISTS_MIN_RELAY_ROWS: "100",
            // Webhooks go to the local receiver over plain http to 127.0.0.1 (test/node/webhook-receiver.ts).
            WEBHOOKS_ALLOW_LOCAL_HTTP: "true",
            WEBHOOK_RECEIVER: inject("webhookReceiver"),
            // DuckDB in Node, reading archive objects the tests post to it (test/node/duckdb-reader.ts).
            DUCKDB_READER: inject("duckdbReader"),
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/node/ses-emulator.setup.ts", "./test/node/webhook-receiver.setup.ts", "./test/node/duckdb-reader.setup.ts"],
      setupFiles: ["./test/setup/no-aws.ts", "./test/setup/no-dns.ts", "./test/setup/apply-migrations.ts"],
      include: TEST_DIRS.map((dir) => `test/${dir}/**/*.test.ts`),
      testTimeout: 30_000,
    },
  };
});
