// Benchmarks whose code arrives with other issues: named slots, reported as pending until they are filled in.
// Each slot says what it will measure and how, so the one who merges that issue adds the measurement here.

export interface PendingSlot {
  status: "pending";
  issue: number;
  title: string;
  how: string;
}

/**
 * Issue #4 (SNS ingestion). Fill in: (a) signature verification alone with a cached certificate — a
 * bench/workerd/sns-verify.bench-test.ts that calls `verifySnsMessage(body, { fetchCertificate, now })` from
 * src/sns/verify.ts over the same fixtures as bench/sns-node.ts (fetchCertificate answering from the fixture PEMs,
 * `now` fixed at each message's timestamp), printing verifications/s as BENCH_JSON, compared with
 * `snsValidatorBench` (sns-validator on Node, already measured); (b) verified Notifications/s end to end through
 * POST /sns on the local worker (needs a test topic and certificate the local worker can fetch).
 */
export function snsWorkerdVerification(): PendingSlot {
  return {
    status: "pending",
    issue: 4,
    title: "SNS: verifySnsMessage in workerd (cached certificate) and verified Notifications/s through POST /sns",
    how: "bench/workerd/sns-verify.bench-test.ts over ../shared/fixtures/sns, same messages as the sns-validator baseline",
  };
}

/**
 * Issue #7 (instrumentation). Fill in: a bench/workerd/instrument.bench-test.ts that instruments the ~100 KB
 * newsletter fixture of #7 with its HTMLRewriter function (runs × iterations, ms per document and MB/s), and the
 * same document passed through an HTMLRewriter with no handlers as the baseline.
 */
export function instrumentationTime(): PendingSlot {
  return {
    status: "pending",
    issue: 7,
    title: "Instrumenting a ~100 KB newsletter (ms per document) vs an HTMLRewriter pass with no handlers",
    how: "bench/workerd/instrument.bench-test.ts with #7's newsletter fixture",
  };
}

/**
 * Issue #6 (counters). Fill in: load a campaign with 1,000 and one with 1,000,000 events into the CampaignStats
 * object (through its RPC apply method in batches of 100, or its rebuild from D1), then time
 * GET /api/campaigns/<id>/stats on the local worker for each (autocannon, paired), and report the ratio (must be < 2).
 */
export function statsReadLatency(): PendingSlot {
  return {
    status: "pending",
    issue: 6,
    title: "Stats read latency: campaign with 1,000 vs 1,000,000 events (GET /api/campaigns/<id>/stats)",
    how: "seed the CampaignStats Durable Object, then paired autocannon runs on both campaigns",
  };
}

export function pendingSlots(): PendingSlot[] {
  return [snsWorkerdVerification(), instrumentationTime(), statsReadLatency()];
}
