// The SNS signature verification part of docs/BENCHMARKS.md: ours in workerd against sns-validator on Node.
import type { BenchResults } from "./latest-results.ts";
import { n, s } from "./report-format.ts";

function snsVerifyTable(r: BenchResults): string {
  const ours = r.snsVerify.verificationsPerSecond;
  const theirs = r.snsNode.verificationsPerSecond;
  return [
    "| verifier | runs in | verifications per second | ÷ sns-validator |",
    "| --- | --- | ---: | ---: |",
    `| \`verifySnsMessage\` (src/sns/verify.ts, WebCrypto) | ${r.machine.workerdVitest} (vitest-pool-workers) | ${s(ours)} | **${n(ours.median / theirs.median, 2)}** |`,
    `| \`sns-validator\` ${r.snsNode.version} (Node \`crypto\`) | Node ${r.machine.node} | ${s(theirs)} | 1 |`,
  ].join("\n");
}

/** The "SNS ingestion" heading and its verification part (the end-to-end part is bench/report-sns.ts). */
export function snsVerifySection(r: BenchResults): string {
  return `## SNS ingestion

### Signature verification alone, with a cached certificate

Both verifiers check the same ${r.snsVerify.messages} genuine AWS-signed messages (\`test/fixtures/sns\`: SignatureVersion 1 and 2,
HTTP and Lambda spellings, Notifications and SubscriptionConfirmations), each certificate fetched once and then
cached, answered from the fixture PEM files (no network), in the same \`npm run bench\`.
**They run in different runtimes: ours in workerd, the baseline on Node** (sns-validator needs Node's \`crypto\` and
\`https\`); the ratio compares the two as each would be deployed, not the same engine.

- Ours: \`verifySnsMessage\` (bench/workerd/sns-verify.bench-test.ts) with each message's clock fixed at its own
  Timestamp plus one minute, and \`fetchCertificate\` answering from the fixture file; the first pass parses the
  certificates and imports their keys (cached per certificate, as in the worker), then ${r.snsVerify.runs} timed runs of
  ${n(r.snsVerify.passes)} passes over all messages each (I/O-anchored clock, see "Timing inside workerd").
- Baseline: \`sns-validator\` on Node (bench/sns-node.ts), its certificate download intercepted and served from the
  fixture files once per URL (it then caches it); ${r.options.runs} runs of 2 s over the messages it accepts
  (${r.snsNode.accepted} of ${r.snsNode.messages}${r.snsNode.rejectedFiles.length ? `; rejected ${r.snsNode.rejectedFiles.join(", ")}` : ""}).

${snsVerifyTable(r)}`;
}
