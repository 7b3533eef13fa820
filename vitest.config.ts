// Vitest in the Workers runtime: the worker from wrangler.toml, local D1/Queues, test-only secrets.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
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
  // The fault tests replay a poison message through as many attempts as the deployed queue allows.
  const wrangler = unstable_readConfig({ config: path.join(import.meta.dirname, "wrangler.toml") });
  const eventsConsumer = wrangler.queues.consumers?.find((c: { queue: string }) => c.queue === "mail-tracker-events");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_EVENTS_MAX_RETRIES: eventsConsumer?.max_retries ?? 3,
            ...TEST_SECRETS,
            TRACKING_ORIGIN: "https://track.example.test",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
    },
  };
});
