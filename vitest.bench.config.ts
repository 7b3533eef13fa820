// Benchmarks that run inside workerd (bench/workerd/): the test config's worker and bindings, other files, no timeouts
// that fit tests. Used by `npm run bench` only; `npm test` never picks these files up.
import { defineConfig } from "vitest/config";
import testConfig from "./vitest.config.ts";

export default defineConfig(async (configEnv) => {
  const config = await testConfig(configEnv);
  return {
    ...config,
    // One file at a time: benchmarks running side by side would slow each other down.
    test: { ...config.test, include: ["bench/workerd/**/*.bench-test.ts"], testTimeout: 600_000, fileParallelism: false },
  };
});
