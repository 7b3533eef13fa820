// Vitest in Node for the setup scripts (connect-ses, preflight): they run on a developer's machine, not in a worker.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "cli",
    environment: "node",
    include: ["test/cli/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
