// Vitest in the Workers runtime: the worker from wrangler.toml, local D1/Queues, test-only secrets.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_API_TOKEN, TEST_AWS_ACCESS_KEY_ID, TEST_AWS_SECRET_ACCESS_KEY, TEST_TRACKING_KEYS } from "./test/secrets.ts";

// Tests use fixed secrets, whatever a developer's .dev.vars holds: the bindings below override it.
const TEST_SECRETS = {
  API_TOKEN: TEST_API_TOKEN,
  TRACKING_KEYS: TEST_TRACKING_KEYS,
  AWS_ACCESS_KEY_ID: TEST_AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_ACCESS_KEY,
};
// Without a .dev.vars (CI), wrangler looks for required secrets in process.env: give it the same ones.
Object.assign(process.env, TEST_SECRETS);

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      // `inject` reads what the globalSetup provided: the SES emulator's URL, never an AWS endpoint.
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ...TEST_SECRETS,
            TRACKING_ORIGIN: "https://track.example.test",
            SES_ENDPOINT: inject("sesEndpoint"),
            SES_CONFIGURATION_SET: "mail-tracker-test",
            SEND_RATE_PER_SECOND: "50",
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/node/ses-emulator.setup.ts"],
      setupFiles: ["./test/setup/no-aws.ts", "./test/setup/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
    },
  };
});
