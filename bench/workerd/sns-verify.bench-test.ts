// SNS signature verification alone, inside workerd: verifySnsMessage over the genuine AWS-signed fixtures.
//
// Run by `npm run bench` through vitest.bench.config.ts; the baseline (the sns-validator package on Node over the
// same messages) is bench/sns-node.ts. Each message is verified at a fixed clock (its own Timestamp plus a minute)
// with its certificate served from the fixture file; the first pass imports every key, so the timed passes use
// cached certificates (parsed and imported once), like the worker after its first message from a certificate.
import { expect, it } from "vitest";
import { verifySnsMessage, type VerifyOptions } from "../../src/sns/verify";
import { fixtureJson, fixtureText, snsIndex } from "../../test/support/fixtures";
import { benchLine, iterationsFor, timeIterations } from "./timing";

const RUNS = 5;
const TARGET_MS = 1000;
const MINUTE = 60_000;

it(`sns verification: ${RUNS} runs of ~${TARGET_MS} ms over every fixture`, { timeout: 600_000 }, async () => {
  const cases = snsIndex().map((f) => {
    const pem = fixtureText(`sns/${f.certificate}`);
    const now = new Date(Date.parse(f.timestamp) + MINUTE);
    const options: VerifyOptions = {
      fetchCertificate: async (url) => {
        if (url !== f.signingCertUrl) throw new Error(`unexpected certificate URL ${url}`);
        return pem;
      },
      now: () => now,
    };
    return { body: fixtureJson<Record<string, unknown>>(`sns/${f.message}`), options };
  });
  // Every message verifies (a rejection would throw): the figure is for accepted messages only.
  for (const c of cases) await verifySnsMessage(c.body, c.options);

  const pass = async () => {
    for (const c of cases) await verifySnsMessage(c.body, c.options);
  };
  const passes = await iterationsFor(TARGET_MS, pass, 3);
  const verificationsPerSecond: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const ms = await timeIterations(passes, pass);
    verificationsPerSecond.push((passes * cases.length) / (ms / 1000));
  }
  expect(verificationsPerSecond.every((v) => v > 0)).toBe(true);
  benchLine("snsVerify", { messages: cases.length, passes, runs: RUNS, verificationsPerSecond });
});
