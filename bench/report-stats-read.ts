// The stats read latency part of docs/BENCHMARKS.md: a campaign of 1,000 events against one of 1,000,000.
import type { BenchResults } from "./latest-results.ts";
import { n, s } from "./report-format.ts";
import type { StatsReadResult } from "./stats-read.ts";

function statsTable(st: StatsReadResult): string {
  const row = (c: StatsReadResult["small"]) =>
    `| ${n(c.events)} events, ${n(c.contacts)} contacts | ${n(c.seedSeconds, 1)} s | ${s(c.p50, 2)} | ${s(c.p99, 2)} | ${n(c.reads)} |`;
  return [
    "| campaign | seeding time | p50 latency (ms) | p99 latency (ms) | reads |",
    "| --- | ---: | ---: | ---: | ---: |",
    row(st.small),
    row(st.large),
    `| **ratio** large ÷ small (per round) | | **${s(st.ratio.p50, 2)}** | **${s(st.ratio.p99, 2)}** | |`,
  ].join("\n");
}

/** Stats read latency, small against large campaign. */
export function statsReadSection(r: BenchResults): string {
  return `## Stats read latency: 1,000 versus 1,000,000 events

Issue #6: reading a campaign's stats must not scan its events; the two latencies must be within 2× of each other.
\`wrangler dev\` runs the production wrangler.toml with a bench-only entry, \`${r.statsRead.script}\` (the production worker
re-exported, plus \`POST /__bench/seed\`; \`wrangler deploy\` builds src/index.ts, so the route never ships). The seeding
route generates a deterministic campaign log (one send and one delivery per eight events, the rest opens and clicks
on 20 links, spread over 30 days; see bench/workerd/stats-seed.ts) and hands it to the campaign's CampaignStats
object through its own \`record()\` RPC, ${n(r.statsRead.large.chunk)} events per call (every event is applied: ids, counters,
hourly buckets, unique contacts, per-link counts). The pruning alarm it sets is 24 h away, so it never runs during the
bench. The answer's \`sent\` is checked against the log before timing. Then \`GET /api/campaigns/<id>/stats\` (bearer,
through the worker, the object's \`counts()\`) is read from Node over loopback, one request at a time, timed with Node's
clock (microseconds): ${r.statsRead.rounds} rounds of ${r.statsRead.readsPerRound} reads per campaign, alternating which goes first, after 20 warm-up
reads each. p50 and p99 are per round; the table shows their median and spread over rounds. Absolute latency is
mostly wrangler's dev proxy and HTTP; what matters is the ratio.

${statsTable(r.statsRead)}

Within 2×: **${r.statsRead.ratio.p50.median <= 2 && r.statsRead.ratio.p99.median <= 2 ? "yes" : "NO"}** (median ratio of p50 ${n(r.statsRead.ratio.p50.median, 2)}, of p99 ${n(r.statsRead.ratio.p99.median, 2)}).`;
}
