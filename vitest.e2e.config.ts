// Vitest in Node for the dashboard's end-to-end test: a local worker (wrangler's startWorker) and Debian's Chromium
// driven by playwright-core. `npm run test:e2e`; `npm test` never runs it and needs no browser.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.test.ts"],
    // One browser and one worker at a time; each step waits on conditions, these only bound a stuck run.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
