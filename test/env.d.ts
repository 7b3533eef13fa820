// Test-only bindings added in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** max_retries of the events queue consumer, read from wrangler.toml. */
    TEST_EVENTS_MAX_RETRIES: number;
  }
}
