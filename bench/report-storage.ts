// The "Storage per event" part of docs/BENCHMARKS.md, from bench/results/storage.json (bench/storage.ts).
import { n } from "./report-format.ts";
import type { StorageResults, StoreFigures } from "./storage-results.ts";

function row(name: string, f: StoreFigures): string {
  return `| ${name} | ${n(f.bytesPerEvent, 1)} | ${n(f.rowsWrittenPerEvent, 2)} | ${n(f.entriesPerEvent, 2)} | ${n(f.rowsReadPerEvent, 2)} | ${f.objects} |`;
}

/** The largest tables and indexes of a store, by bytes per event. */
function biggest(f: StoreFigures, k = 4): string {
  return Object.entries(f.btrees)
    .sort((a, b) => b[1].bytesPerEvent - a[1].bytesPerEvent)
    .slice(0, k)
    .map(([name, t]) => `\`${name}\` ${n(t.bytesPerEvent, 1)}`)
    .join(", ");
}

export function storageSection(r: StorageResults | null): string {
  if (!r) return "## Storage per event\n\nNot measured yet: `npx tsx bench/storage.ts` (or `npm run bench`).\n";
  const { d1, campaignStats, accountGuard, accountCounters } = r.stores;
  return `## Storage per event (\`bench/storage.ts\`)

${n(r.mails)} mails (${n(r.eventsPerMail, 2)} events a mail: send, delivery ${r.mix.delivery} or bounce ${r.mix.bounce}, open ${r.mix.open},
click ${r.mix.click}) over ${r.campaigns} campaigns, through the production worker: SES events as signed SNS notifications
to \`/sns\`, opens and clicks as pixel and click requests. The figures are what the second half (${n(r.measuredMails)} mails,
${n(r.measuredEvents)} events) added, so empty tables and new objects are not in them. Bytes: SQLite's \`dbstat\` over each
store's files (the \`-wal\` included), read from copies. Rows written and read: what the platform bills, tallied by a
bench-only entry (\`bench/workerd/storage-worker.ts\`: D1's \`meta.rows_written\`, each Durable Object cursor's
\`rowsWritten\`), since an upsert of a counter changes no row count; entries: rows and index entries stored, counted from
outside. Clicks settle their verdict after 2 s (\`MACHINE_SETTLE_SECONDS\`, 60 in production) and each part waits until
the tallies stand still for 5 s, so those writes are counted too. Run ${r.date}, ${r.seconds} s.

| store | bytes/event | rows written/event | entries stored/event | rows read/event | objects |
| --- | ---: | ---: | ---: | ---: | ---: |
${row("D1", d1)}
${row("CampaignStats", campaignStats)}
${row("AccountGuard", accountGuard)}
${accountCounters ? `${row("AccountCounters", accountCounters)}\n` : ""}| **all SQL stores** | **${n(r.total.bytesPerEvent, 1)}** | **${n(r.total.rowsWrittenPerEvent, 2)}** | | | |

Largest parts (bytes/event): D1 ${biggest(d1)}; CampaignStats ${biggest(campaignStats)}; AccountGuard ${biggest(accountGuard, 3)}.

Queues: ${n(r.queues.eventMessagesPerEvent, 3)} events-queue messages per event (${n(r.queues.eventMessageBytesPerEvent)} bytes of JSON
each), ${n(r.queues.consumedPerEvent, 3)} handed to the consumer per event, ${n(r.queues.webhookMessagesPerEvent, 3)} webhook messages
per event (no endpoint configured).

Send claims, apart (a campaign send of ${n(r.sends.mails)} mails through the send queue and the SES emulator):
**${n(r.sends.d1.bytesPerEvent, 1)} bytes and ${n(r.sends.d1.rowsWrittenPerEvent, 2)} rows written per sent mail** in D1 (\`deliveries\` and its
indexes ${n(r.sends.deliveriesBytesPerMail, 1)} bytes), ${n(r.sends.queueMessagesPerMail, 2)} send-queue message per mail.

The capacity model built from these figures is in [SCALE.md](SCALE.md) (\`npx tsx bench/capacity.ts\` regenerates it
from this file alone). Smaller run: \`BENCH_STORAGE_MAILS=400 BENCH_STORAGE_SENDS=100 npx tsx bench/storage.ts\`
(fewer events: more page rounding in the bytes).
`;
}
