// The SNS/SES fixtures of test/fixtures (sns/, ses/) inside workerd: read on the Node side by vitest.config.ts
// (./fixture-files.ts) and handed over as the TEST_FIXTURES binding.
import { env } from "cloudflare:workers";

function files(): Record<string, string> {
  return env.TEST_FIXTURES.files;
}

export function fixtureText(rel: string): string {
  const text = files()[rel];
  if (text === undefined) throw new Error(`fixture ${rel} is missing`);
  return text;
}

export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(fixtureText(rel)) as T;
}

/** Every fixture path under a folder, e.g. "ses/". */
export function fixturePaths(prefix: string): string[] {
  return Object.keys(files())
    .filter((p) => p.startsWith(prefix))
    .sort();
}

export interface SnsFixture {
  message: string;
  certificate: string;
  signingCertUrl: string;
  type: "Notification" | "SubscriptionConfirmation";
  signatureVersion: "1" | "2";
  format: "http" | "lambda";
  timestamp: string;
  source: string;
}

export function snsIndex(): SnsFixture[] {
  return fixtureJson<SnsFixture[]>("sns/index.json");
}
