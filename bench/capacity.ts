// The capacity tables of docs/SCALE.md, generated: today's schema from the storage bench's measured figures
// (bench/results/storage.json) beside the target design's figures (targets until the build measures its own), for
// 10k to 100M mails a day. Rewrites only the text between `<!-- capacity:begin -->` and `<!-- capacity:end -->`.
// The models' inputs are in bench/capacity-inputs.ts, their arithmetic in bench/capacity-model.ts.
//
// Run: npx tsx bench/capacity.ts (from the stored results alone); `npm run bench` runs it after measuring.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { firstLimit, monthlyCost, queueOpsPerDay, rowsWrittenPerDay, scenarioFor, storeSizes, type Model, type Scenario } from "./capacity-model.ts";
import { targetModel, todayModel } from "./capacity-inputs.ts";
import type { StorageResults } from "./storage-results.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
export const SCALE_DOC = path.join(ROOT, "docs", "SCALE.md");
export const VOLUMES = [10e3, 100e3, 1e6, 10e6, 100e6];
const BEGIN = "<!-- capacity:begin -->";
const END = "<!-- capacity:end -->";

/** Pages the prices and limits were read from (the cloudflare-docs sources of these pages, read on this date). */
export const PRICE_PAGES = {
  read: "2026-12-07",
  pages: [
    ["Workers requests", "https://developers.cloudflare.com/workers/platform/pricing/"],
    ["D1 rows and storage", "https://developers.cloudflare.com/d1/platform/pricing/"],
    ["Durable Objects requests, duration, SQLite rows and storage", "https://developers.cloudflare.com/durable-objects/platform/pricing/"],
    ["Queues operations", "https://developers.cloudflare.com/queues/platform/pricing/"],
    ["R2 storage and operations", "https://developers.cloudflare.com/r2/pricing/"],
    ["D1 limits (10 GB a database)", "https://developers.cloudflare.com/d1/platform/limits/"],
    ["Durable Objects limits (10 GB an object)", "https://developers.cloudflare.com/durable-objects/platform/limits/"],
    ["Queues limits (5,000 messages/s, 250 consumers)", "https://developers.cloudflare.com/queues/platform/limits/"],
  ] as const,
};

const units = (x: number, steps: [number, string][], digits = 1) => {
  for (const [size, unit] of steps) if (Math.abs(x) >= size) return `${(x / size).toFixed(x / size >= 100 ? 0 : digits)}${unit}`;
  return `${Math.round(x)}`;
};
export const bytes = (x: number) =>
  x < 1e3
    ? `${Math.round(x)} B`
    : units(x, [
        [1e12, " TB"],
        [1e9, " GB"],
        [1e6, " MB"],
        [1e3, " KB"],
      ]);
export const count = (x: number) =>
  units(x, [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ]);
export const dollars = (x: number) => `$${x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString("en-US")}`;
const num = (x: number, digits = 3) => Number(x.toFixed(digits)).toLocaleString("en-US");

function inputsTable(models: Model[]): string {
  const rows = models.flatMap((m) =>
    m.parts.map(
      (p) =>
        `| ${m.name} | ${p.store} | ${p.what} | ${num(p.bytes, 1)} B a${p.per === "event" ? "n" : ""} ${p.per} | ${p.keptDays === null ? "retention" : p.keptDays < 1 ? `${Math.round(p.keptDays * 24)} h` : `${p.keptDays} d`} | ${num(p.rowsWritten)} | ${num(p.rowsAtExpiry)} | ${p.source} |`,
    ),
  );
  return [
    "| model | store | what | bytes | kept | rows written | rows at expiry | figure |",
    "| --- | --- | --- | ---: | --- | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
}

/** One store's size cell: the whole, or "N × size" for sharded stores and a per-campaign worst case. */
function sizeCell(m: Model, s: Scenario, name: string): string {
  const x = storeSizes(m, s).find((y) => y.store.name === name);
  if (!x) return "–";
  if (x.store.scope === "shards") return `${x.objects} × ${bytes(x.bytesPerObject)}`;
  return bytes(x.bytes);
}

function volumeTable(m: Model): string {
  const head =
    "| mails/day | events/day | D1 | CampaignStats (one campaign) | AccountGuard | contact shards | R2 archive | D1 rows written/day | DO rows written/day | queue ops/day | $/month | binds first (at mails/day) |";
  const rows = VOLUMES.map((v) => {
    const s = scenarioFor(v, m.eventsPerMail);
    const first = firstLimit(m, s);
    const archive = m.archive ? bytes(m.archive.bytesPerEvent * v * m.eventsPerMail * s.retentionDays) : "–";
    return `| ${count(v)} | ${count(v * m.eventsPerMail)} | ${sizeCell(m, s, "D1")} | ${sizeCell(m, s, "CampaignStats")} | ${sizeCell(m, s, "AccountGuard")} | ${sizeCell(m, s, "contact shards")} | ${archive} | ${count(rowsWrittenPerDay(m, s, "d1"))} | ${count(rowsWrittenPerDay(m, s, "do"))} | ${count(queueOpsPerDay(m, s))} | ${dollars(monthlyCost(m, s).total)} | ${first.limit} (${count(first.mailsPerDay)}) |`;
  });
  return [head, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |", ...rows].join("\n");
}

function costTable(m: Model): string {
  const rows = VOLUMES.map((v) => {
    const c = monthlyCost(m, scenarioFor(v, m.eventsPerMail));
    return `| ${count(v)} | ${dollars(c.workers)} | ${dollars(c.d1)} | ${dollars(c.durableObjects)} | ${dollars(c.queues)} | ${dollars(c.r2)} | **${dollars(c.total)}** |`;
  });
  return ["| mails/day | Workers | D1 | Durable Objects | Queues | R2 | total |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |", ...rows].join(
    "\n",
  );
}

/** The generated part of docs/SCALE.md. */
export function renderCapacity(r: StorageResults, d1EventsPerSecond: number): string {
  const today = todayModel(r, d1EventsPerSecond);
  const target = targetModel(r);
  const full = firstLimit(today, scenarioFor(10e3, today.eventsPerMail));
  const pages = PRICE_PAGES.pages.map(([what, url]) => `- ${what}: <${url}>`).join("\n");
  const st = r.stores;
  return `${BEGIN}
<!-- Generated by bench/capacity.ts from bench/results/storage.json (${r.date}); edit the code, not this text. -->

**Measured ${r.date.slice(0, 10)}** (\`bench/storage.ts\`, ${num(r.measuredEvents, 0)} events measured): per event, D1
${num(st.d1.bytesPerEvent, 0)} B and ${num(st.d1.rowsWrittenPerEvent, 2)} rows written, CampaignStats ${num(st.campaignStats.bytesPerEvent, 0)} B and
${num(st.campaignStats.rowsWrittenPerEvent, 2)} rows, AccountGuard ${num(st.accountGuard.bytesPerEvent, 0)} B and ${num(st.accountGuard.rowsWrittenPerEvent, 2)} rows: **${num(r.total.bytesPerEvent, 0)} B and
${num(r.total.rowsWrittenPerEvent, 2)} rows written per event** across the SQL stores (goal: ≤ 150 B and ≤ 2 rows);
${num(r.queues.eventMessagesPerEvent, 2)} queue message per event (${num(r.queues.eventMessageBytesPerEvent, 0)} B of JSON). Send claims apart: **${num(r.sends.d1.bytesPerEvent, 0)} B and
${num(r.sends.d1.rowsWrittenPerEvent, 2)} rows written per sent mail** in D1.

## Capacity at 10k to 100M mails a day

Inputs (bytes and rows per event, or per sent mail, or per contact; "rows at expiry": rows written again when it is
deleted, a row and each of its index entries; "measured": bench/storage.ts on ${r.date.slice(0, 10)}; "target": the
design's figure until its build measures its own; "assumed": not measured anywhere yet):

${inputsTable([today, target])}

Scenario per row: ${num(r.eventsPerMail)} events a mail; retention 395 days; contacts 5 per daily mail (50M at 10M a
day); bursts at 36.8 × the average rate (10,000 events/s at 10M mails a day). Rows written per day count arrivals and
expiries (the steady state at retention: as many rows leave a day as arrive).

### Today's schema (measured)

${volumeTable(today)}

Today one deployment reaches **${full.limit}** at about **${count(full.mailsPerDay)} mails a day**.
D1 on the event path is taken at ${num(d1EventsPerSecond, 0)} events/s (the consumer's rate measured locally, D1 and
counters included: bench/results/latest.json); one consumer batch is 100 events.

${costTable(today)}

### Target design (target figures)

${volumeTable(target)}

${costTable(target)}

Durable Object duration is taken at 5 ms of wall time a request (assumed); Workers requests count one request per
event (SNS POSTs and edge hits), not the consumer's invocations; CPU time is not priced. Prices (Workers Paid), read
${PRICE_PAGES.read} (the pages below, through their sources in cloudflare/cloudflare-docs):
D1 and SQLite Durable Object rows written $1.00/million after 50M a month each, rows read $0.001/million after
25 billion; D1 storage $0.75/GB-month after 5 GB, Durable Object storage $0.20/GB-month after 5 GB; Durable Object
requests $0.15/million after 1M, duration $12.50/million GB-s after 400,000; Queues $0.40/million operations after
1M (3 a message: write, read, delete); R2 $0.015/GB-month after 10 GB, class A $4.50/million after 1M; Workers
$5 a month and $0.30/million requests after 10M. Sources:

${pages}
${END}`;
}

/** `doc` with its generated section replaced by `section` (both markers must be there, once each). */
export function replaceSection(doc: string, section: string): string {
  const [a, b] = [doc.indexOf(BEGIN), doc.indexOf(END)];
  if (a < 0 || b < a || doc.indexOf(BEGIN, a + 1) >= 0) throw new Error(`docs/SCALE.md needs one ${BEGIN} … ${END} section`);
  return doc.slice(0, a) + section + doc.slice(b + END.length);
}

/** Rewrite docs/SCALE.md's tables from stored results (bench/results/storage.json and latest.json). */
export function writeScaleDoc(storage: StorageResults, latestFile = path.join(ROOT, "bench", "results", "latest.json")): void {
  const latest = existsSync(latestFile)
    ? (JSON.parse(readFileSync(latestFile, "utf8")) as { pipelineCapacity?: { eventsPerSecond?: { median?: number } } })
    : null;
  const rate = latest?.pipelineCapacity?.eventsPerSecond?.median;
  if (!rate) throw new Error("no pipeline rate in bench/results/latest.json: run `npm run bench` first");
  writeFileSync(SCALE_DOC, replaceSection(readFileSync(SCALE_DOC, "utf8"), renderCapacity(storage, rate)));
}

if (path.resolve(process.argv[1] ?? "") === import.meta.filename) {
  const file = path.join(ROOT, "bench", "results", "storage.json");
  if (!existsSync(file)) throw new Error("no bench/results/storage.json: run `npx tsx bench/storage.ts` or `npm run bench` first");
  writeScaleDoc(JSON.parse(readFileSync(file, "utf8")) as StorageResults);
  console.log("wrote docs/SCALE.md (capacity tables)");
}
