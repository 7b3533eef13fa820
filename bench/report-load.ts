// The load and loss part of docs/BENCHMARKS.md, from bench/results/load-latest.json (bench/load.ts).
import type { LoadSummary } from "./latest-results.ts";
import { n } from "./report-format.ts";

function loadChecks(load: LoadSummary | null): string {
  if (!load) return "No load run recorded yet: run `npm run load`.";
  return [
    `Last run: ${load.date}, ${n(load.requests)} requests (${n(load.validRequests)} valid pixel/click, ${n(load.invalidRequests)} invalid), ` +
      `${load.concurrency} concurrent, ${n(load.snsSent)} SNS notifications.`,
    "",
    "| check | result |",
    "| --- | --- |",
    `| answered exactly as planned (status, Location) | ${n(load.answeredAsPlanned)} of ${n(load.requests)} (wrong: ${load.wrongAnswers}, no answer: ${load.noAnswer}) |`,
    `| firing time | ${n(load.fireSeconds, 1)} s (${n(load.requests / load.fireSeconds)} req/s) |`,
    `| events stored in D1 after the queue drained | ${n(load.storedEvents)} of ${n(load.expectedEvents)} expected, per campaign and type: **${load.exact ? "exact" : "NOT exact"}** |`,
    `| drained after the last answer | ${n(load.drainSecondsAfterLastAnswer, 1)} s |`,
    ...(load.snsSent > 0
      ? [
          `| SNS posts answered as planned | ${n(load.snsSent)} sent (${n(load.snsDistinct ?? 0)} distinct, ${n(load.snsReplayed ?? 0)} replayed): ${n(load.snsEnqueued ?? 0)} enqueued, ${n(load.snsDuplicate ?? 0)} duplicate, ${load.snsWrong ?? 0} wrong, in ${n(load.snsSeconds ?? 0, 1)} s |`,
          `| the worker's outside fetches | ${load.outboundFetches ?? "n/a"} (its signing certificate, served through miniflare's outboundService) |`,
        ]
      : []),
    `| dead letters | ${load.deadLetters} |`,
    ...(load.queue
      ? [
          `| events per queue message, as the consumer received them | **${n(load.queue.eventsPerMessage ?? Number.NaN, 1)}** in all (${n(load.queue.events)} events in ${n(load.queue.messages)} messages, ${n(load.queue.batches)} batches, ${load.queue.retried} retried); from the edge alone **${n(load.queue.edgeEventsPerMessage ?? Number.NaN, 1)}** (${n(load.queue.edgeEvents)} in ${n(load.queue.edgeMessages)}; each SNS notification is a message of its own) |`,
        ]
      : []),
    ...(load.countersChecked !== undefined
      ? [
          `| campaigns whose served counters equal the SQL recount from D1 | ${load.countersChecked - (load.counterMismatches?.length ?? 0)} of ${load.countersChecked} |`,
        ]
      : []),
    `| verdict | **${load.passed ? "passed" : "FAILED"}** |`,
    ...(load.queue ? ["", packingGoal(load.queue)] : []),
  ].join("\n");
}

/** Issue 24 §5: the edge packs a send window's events into one message, ≥ 20 events a message under this load. */
function packingGoal(q: NonNullable<LoadSummary["queue"]>): string {
  const edge = q.edgeEventsPerMessage ?? 0;
  return `Goal: at least 20 events per queue message from the edge under this load (a send window of \`SEND_WINDOW_MS\` = 25 ms, one isolate): ${edge >= 20 ? "**met**" : "**not met**"} (${n(edge, 1)}). In all, SNS's one message a notification brings it to ${n(q.eventsPerMessage ?? 0, 1)}: with ${n(q.messages - q.edgeMessages)} SNS messages no edge window could lift the whole above ${n(q.events / Math.max(1, q.messages - q.edgeMessages), 1)}, so that needs the SNS route's sends packed too (it would then wait up to a window before answering SNS).`;
}

/** The paired runs' goal (issue 16): tracking ≥ 0.95× the throughput of /healthz, p99 ≤ 1.2× its p99. */

/** Load and loss: how the run works, then its checks. */
export function loadSection(load: LoadSummary | null): string {
  return `## Load and loss (\`npm run load\`)

Fires pixel and click requests for 20 campaigns × 100 contacts (half opens, half clicks) with about 10% invalid
requests mixed in (tampered signature, truncated token, valid token of the wrong kind, garbage) at the local worker,
and at the same time signed SNS notifications (SES Send, Delivery, Open and Click, tagged to the same campaigns), a
share of them posted twice with the same MessageId. The worker runs in its own workerd process through wrangler's
\`unstable_startWorker\`; its one outside fetch, the test signer's certificate, is served through miniflare's
\`outboundService\` (production verification, no switch). The run checks every answer (GIF, 302 to exactly the signed
destination, 404 page; \`enqueued\` or \`duplicate\`), then polls D1 until the stored events per campaign and type equal
the expected ones. Each pixel/click request creates an event with its own id, and each distinct SNS message its
SES events, so the expected count is exact; invalid requests and replays must add nothing. Finally every campaign's
\`GET /api/campaigns/<id>/stats\` is compared with the counters recomputed from D1 in plain SQL (test/support/d1-counts.ts).
Events per queue message are counted where the consumer receives them: it logs one line a batch (\`events batch
consumed\`, with its messages and events), and the run adds up those lines from the worker's log (bench/consumed.ts).
Each enqueued SNS notification is a message of its own (the route answers only once its send is done, so SNS retries
a failure), so the edge's share is the totals less the SNS messages and their events.

${loadChecks(load)}`;
}
