// SNS signature verification with the `sns-validator` npm package on Node: the baseline for our WebCrypto verifier.
//
// Messages and certificates are the genuine AWS-signed fixtures in test/fixtures/sns. sns-validator fetches
// certificates with https.get and caches them per URL for the process's life; we answer that one fetch per URL from
// the fixture files (no network), so every timed verification uses a cached certificate, like ours will.
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { PassThrough } from "node:stream";
import MessageValidator from "sns-validator";
import { FIXTURES_DIR } from "../test/support/fixture-files.ts";
import { summarize, type Summary } from "./stats.ts";

export const SNS_FIXTURES = path.join(FIXTURES_DIR, "sns");

export interface SnsFixture {
  file: string;
  body: Record<string, unknown>;
  signingCertUrl: string;
  certificate: string;
  format: string;
  signatureVersion: string;
}

export function loadSnsFixtures(dir = SNS_FIXTURES): SnsFixture[] {
  const index = JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8")) as Array<{
    message: string;
    certificate: string;
    signingCertUrl: string;
    format: string;
    signatureVersion: string;
  }>;
  return index.map((e) => ({
    file: e.message,
    body: JSON.parse(readFileSync(path.join(dir, e.message), "utf8")) as Record<string, unknown>,
    signingCertUrl: e.signingCertUrl,
    certificate: readFileSync(path.join(dir, e.certificate), "utf8"),
    format: e.format,
    signatureVersion: e.signatureVersion,
  }));
}

/** Serve sns-validator's certificate downloads from the fixtures; anything else fails loudly. */
function interceptCertificates(fixtures: readonly SnsFixture[]): void {
  const pems = new Map(fixtures.map((f) => [f.signingCertUrl, f.certificate]));
  (https as { get: unknown }).get = (url: string, callback: (res: PassThrough & { statusCode: number }) => void) => {
    const pem = pems.get(String(url));
    if (pem === undefined) throw new Error(`unexpected certificate fetch ${url}`);
    const res = Object.assign(new PassThrough(), { statusCode: 200 });
    queueMicrotask(() => {
      callback(res);
      res.end(pem);
    });
    return { on: () => undefined };
  };
}

function validate(validator: MessageValidator, body: Record<string, unknown>): Promise<boolean> {
  return new Promise((resolve) => validator.validate(structuredClone(body) as never, (err) => resolve(!err)));
}

export interface SnsNodeResult {
  /** sns-validator's version. */
  version: string;
  messages: number;
  accepted: number;
  rejectedFiles: string[];
  verificationsPerSecond: Summary;
}

/** Verify every fixture message sns-validator accepts, in a loop for `seconds`, `runs` times. */
export async function snsValidatorBench(fixtures: readonly SnsFixture[], { runs = 5, seconds = 2 } = {}): Promise<SnsNodeResult> {
  interceptCertificates(fixtures);
  const validator = new MessageValidator();
  const accepted: SnsFixture[] = [];
  const rejectedFiles: string[] = [];
  // First pass: fills the certificate cache and finds what it accepts (it does not know every format we do).
  for (const f of fixtures) {
    if (await validate(validator, f.body)) accepted.push(f);
    else rejectedFiles.push(f.file);
  }
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    let done = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      for (const f of accepted) if (await validate(validator, f.body)) done++;
    }
    rates.push(done / ((performance.now() - started) / 1000));
  }
  const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "..", "node_modules", "sns-validator", "package.json"), "utf8")) as {
    version: string;
  };
  return {
    version: pkg.version,
    messages: fixtures.length,
    accepted: accepted.length,
    rejectedFiles,
    verificationsPerSecond: summarize(rates),
  };
}
