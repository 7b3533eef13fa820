// Test-only secrets, shared by the vitest config (Node), the tests (workerd) and the benchmarks' local runs. Never deployed.

export const TEST_API_TOKEN = "test-api-token-0123456789abcdef";

/** Key 2 signs; key 1 is an older key that still verifies (rotation). Each secret is 32 bytes, base64url. */
export const TEST_KEY_1 = "1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
export const TEST_KEY_2 = "2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI";
export const TEST_TRACKING_KEYS = `${TEST_KEY_2},${TEST_KEY_1}`;
/** 32 bytes, base64url: the key of erased people's address hashes. */
export const TEST_ERASURE_KEY = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";

/** Credentials for signing SES requests in tests; requests only ever go to the local emulator or an interceptor. */
export const TEST_AWS_ACCESS_KEY_ID = "AKIATESTEXAMPLE00001";
export const TEST_AWS_SECRET_ACCESS_KEY = "test/secret/key/for/sigv4/only/000000000";

/** The secrets a test or local benchmark run gives the worker, by binding name (a developer's .dev.vars is never used). */
export const TEST_SECRETS = {
  API_TOKEN: TEST_API_TOKEN,
  TRACKING_KEYS: TEST_TRACKING_KEYS,
  ERASURE_KEY: TEST_ERASURE_KEY,
  AWS_ACCESS_KEY_ID: TEST_AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_ACCESS_KEY,
};
