// Test-only bindings added in vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

// Vite's ?raw imports (fixtures read as text).
declare module "*?raw" {
  const text: string;
  export default text;
}
