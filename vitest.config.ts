// Vitest in the Workers runtime: the worker from wrangler.toml, local D1/Queues, test-only secrets.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_API_TOKEN, TEST_TRACKING_KEYS } from "./test/secrets.ts";

// Wrangler reads the required secrets from process.env when there is no .dev.vars; tests use fixed ones.
process.env.API_TOKEN = TEST_API_TOKEN;
process.env.TRACKING_KEYS = TEST_TRACKING_KEYS;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
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
