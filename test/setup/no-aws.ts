// Tests never talk to AWS: any fetch to an amazonaws.com host is refused, and the test that made it fails.
import { afterEach } from "vitest";

const AWS_HOST = /(^|\.)amazonaws\.com(\.cn)?$/i;
const attempts: string[] = [];
const realFetch = globalThis.fetch;

globalThis.fetch = function guardedFetch(input: RequestInfo | URL, init?: RequestInit) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (AWS_HOST.test(url.hostname)) {
    attempts.push(url.href);
    return Promise.reject(new Error(`a test tried to reach AWS: ${url.href}`));
  }
  return realFetch(input, init);
} as typeof fetch;

/** For the test that checks this guard: the attempts so far, cleared. */
export function takeAwsAttempts(): string[] {
  return attempts.splice(0);
}

afterEach(() => {
  if (attempts.length > 0) throw new Error(`requests to AWS were attempted: ${attempts.splice(0).join(", ")}`);
});
