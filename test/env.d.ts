// Test-only bindings added in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The SNS/SES fixtures of test/fixtures, by path relative to that folder ("sns/index.json"). */
    TEST_FIXTURES: { files: Record<string, string> };
    /** max_retries of the events queue consumer, read from wrangler.toml. */
    TEST_EVENTS_MAX_RETRIES: number;
    /** Every queue wrangler.toml's [[queues.consumers]] names. */
    TEST_CONSUMED_QUEUES: string[];
  }
}

// Vite's ?raw imports (fixtures read as text).
declare module "*?raw" {
  const text: string;
  export default text;
}
