// Test-only bindings added in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The SNS/SES fixtures of test/fixtures, by path relative to that folder ("sns/index.json"). */
    TEST_FIXTURES: { files: Record<string, string> };
    /** The cron expressions of wrangler.toml [triggers]. */
    TEST_CRONS: string[];
    /** max_retries of every queue consumer in wrangler.toml, by queue name. */
    TEST_QUEUE_MAX_RETRIES: Record<string, number>;
    /** The local webhook receiver's origin (test/node/webhook-receiver.ts). */
    WEBHOOK_RECEIVER: string;
    /** The DuckDB reader's origin (test/node/duckdb-reader.ts): POST { files, sql } answers rows. */
    DUCKDB_READER: string;
    /** An empty D1 database for migration tests. */
    MIGRATION_TEST_DB: D1Database;
    /** An empty D1 database for the retention test, which needs to control the order rows were stored in. */
    RETENTION_TEST_DB: D1Database;
  }
}

// Vite's ?raw imports (fixtures read as text).
declare module "*?raw" {
  const text: string;
  export default text;
}
