// Storage per event, measured through the real local worker: bytes per event in each store (D1, the CampaignStats and
// AccountGuard objects), rows written per event (what D1 and Durable Objects bill), queue messages per event, for a
// realistic mix (bench/storage-traffic.ts), and apart from it the send claims (bytes and rows per sent mail).
//
// How: the production worker runs under wrangler's startWorker from a generated config whose entry is
// bench/workerd/storage-worker.ts (the production worker with its bindings tallied: D1 `meta.rows_written`, each
// Durable Object cursor's `rowsWritten`, queue sends). SES events arrive as signed SNS notifications at /sns (the test
// certificate served through the outbound interceptor), opens and clicks as pixel and click requests. The mails go in
// two equal halves: the figures are what the second half adds (files measured with SQLite's dbstat, from outside),
// so the fixed cost of empty tables and new objects is left out and what remains is the cost per event at scale.
//
// Run alone: npx tsx bench/storage.ts (writes bench/results/storage.json and docs/SCALE.md's generated tables;
// `npx tsx bench/render.ts` then renders docs/BENCHMARKS.md with it). BENCH_STORAGE_MAILS (default 2000) mails, BENCH_STORAGE_SENDS (default 500) sent mails.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { startSesEmulator } from "../scripts/ses-emulator.ts";
import { createTestSigner, type TestSigner } from "../test/support/sns-signer.ts";
import { TEST_API_TOKEN } from "../test/support/secrets.ts";
import { startInterceptedWorker } from "./intercepted-worker.ts";
import { localD1File } from "./local-state.ts";
import { storedEvents, type LocalWorker } from "./local-worker.ts";
import { fileUsage, folderUsage, usageGrowth, type BtreeUsage, type FileUsage } from "./sqlite-usage.ts";
import { EVENTS_PER_MAIL, MIX, planMails } from "./storage-traffic.ts";
import { TALLIES_PATH, type TalliesAnswer, type Tally } from "./workerd/storage-route.ts";
import { STORAGE_RESULTS, type StorageResults, type StoreFigures } from "./storage-results.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CAMPAIGNS = 2;

interface Snapshot {
  d1: FileUsage;
  campaignStats: FileUsage & { files: number };
  accountGuard: FileUsage & { files: number };
  accountCounters: FileUsage & { files: number };
  answer: TalliesAnswer;
}

const ZERO: Tally = { rowsWritten: 0, rowsRead: 0, statements: 0, messages: 0, messageBytes: 0 };
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function tallies(worker: LocalWorker): Promise<TalliesAnswer> {
  const response = await fetch(worker.origin + TALLIES_PATH, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
  if (!response.ok) throw new Error(`${TALLIES_PATH}: ${response.status} ${await response.text()}`);
  return (await response.json()) as TalliesAnswer;
}

async function snapshot(worker: LocalWorker): Promise<Snapshot> {
  const objects = path.join(worker.stateDir, "v3", "do");
  return {
    answer: await tallies(worker),
    d1: fileUsage(localD1File(worker.stateDir)),
    campaignStats: folderUsage(path.join(objects, "mail-tracker-CampaignStats")),
    accountGuard: folderUsage(path.join(objects, "mail-tracker-AccountGuard")),
    accountCounters: folderUsage(path.join(objects, "mail-tracker-AccountCounters")),
  };
}

/** A store's growth from `a` to `b`, per unit (event or mail). */
function figures(a: FileUsage, b: FileUsage & { files?: number }, ta: Tally | undefined, tb: Tally | undefined, units: number): StoreFigures {
  const growth: Record<string, BtreeUsage> = usageGrowth(a, b);
  const sum = (k: keyof BtreeUsage) => Object.values(growth).reduce((s, g) => s + g[k], 0);
  const [x, y] = [ta ?? ZERO, tb ?? ZERO];
  return {
    bytesPerEvent: round(sum("bytes") / units, 1),
    rowsWrittenPerEvent: round((y.rowsWritten - x.rowsWritten) / units),
    rowsReadPerEvent: round((y.rowsRead - x.rowsRead) / units),
    entriesPerEvent: round(sum("entries") / units),
    btrees: Object.fromEntries(
      Object.entries(growth).map(([name, g]) => [name, { bytesPerEvent: round(g.bytes / units, 1), entriesPerEvent: round(g.entries / units) }]),
    ),
    fileBytes: b.fileBytes,
    objects: b.files ?? 1,
  };
}

/** `count` tasks, `concurrency` at a time; every answer must be 2xx (3xx for clicks). */
async function lanes<T>(items: readonly T[], concurrency: number, send: (item: T) => Promise<Response>): Promise<void> {
  let next = 0;
  const wrong: string[] = [];
  const lane = async () => {
    while (next < items.length) {
      const response = await send(items[next++]!);
      const text = await response.text();
      if (response.status >= 400) wrong.push(`${response.status} ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (wrong.length > 0) throw new Error(`${wrong.length} requests refused, e.g. ${wrong[0]}`);
}

/** Wait until D1 holds `events` events and the tallies (counters, guard, webhooks, click settling) stop moving for 5 s. */
async function settle(worker: LocalWorker, events: number, deadline: number): Promise<void> {
  while ((await storedEvents(worker)) < events) {
    if (Date.now() > deadline) throw new Error(`stored ${await storedEvents(worker)} of ${events} events in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
  let last = "";
  let since = Date.now();
  for (;;) {
    const now = JSON.stringify(await tallies(worker));
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since > 5000) return;
    if (Date.now() > deadline) throw new Error("the tallies kept moving");
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function fireMails(worker: LocalWorker, signer: TestSigner, runId: string, from: number, to: number): Promise<number> {
  const traffic = await planMails(runId, CAMPAIGNS, from, to, signer);
  const headers = { "content-type": "text/plain; charset=UTF-8" };
  await Promise.all([
    lanes(traffic.sns, 12, (body) => fetch(`${worker.origin}/sns`, { method: "POST", headers, body })),
    lanes(traffic.edge, 4, (r) => fetch(worker.origin + r.path, { headers: r.headers, redirect: "manual" })),
  ]);
  return traffic.events;
}

/** A campaign send of `count` recipients through the send queue and the SES emulator, until every one is settled. */
async function sendMails(worker: LocalWorker, runId: string, count: number, deadline: number): Promise<void> {
  const recipients = Array.from({ length: count }, (_, i) => ({ to: `recipient${i}@example.com` }));
  const response = await fetch(`${worker.origin}/api/campaigns/${runId}-send/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_API_TOKEN}`, "content-type": "application/json", "idempotency-key": `${runId}-send` },
    body: JSON.stringify({
      from: "news@example.com",
      subject: "Storage bench",
      html: '<p>Hello <a href="https://example.com/a">there</a></p>',
      recipients,
    }),
  });
  if (response.status !== 202) throw new Error(`campaign send: ${response.status} ${await response.text()}`);
  const settled = "SELECT count(*) AS n FROM deliveries WHERE state NOT IN ('queued', 'sending')";
  while (((await worker.query<{ n: number }>(settled))[0]?.n ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`sent ${(await worker.query<{ n: number }>(settled))[0]?.n} of ${count} mails in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A generated config next to wrangler.toml (deleted afterwards): entry bench/workerd/storage-worker.ts, bench pacing. */
function benchConfig(sesEndpoint: string): string {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, "wrangler.toml") });
  const file = path.join(ROOT, `wrangler.bench-storage-${process.pid}.json`);
  // Clicks settle their verdict MACHINE_SETTLE_SECONDS later (an alarm that writes): 2 s, so it lands before settle() ends.
  const vars = { ...rawConfig.vars, SES_ENDPOINT: sesEndpoint, SEND_RATE_PER_SECOND: "200", MACHINE_SETTLE_SECONDS: "2" };
  writeFileSync(file, JSON.stringify({ ...rawConfig, main: "bench/workerd/storage-worker.ts", vars }, null, 2));
  return file;
}

function eventFigures(a: Snapshot, b: Snapshot, events: number): StorageResults["stores"] {
  const [ta, tb] = [a.answer.tallies, b.answer.tallies];
  return {
    d1: figures(a.d1, b.d1, ta.d1, tb.d1, events),
    campaignStats: figures(a.campaignStats, b.campaignStats, ta["do:CampaignStats"], tb["do:CampaignStats"], events),
    accountGuard: figures(a.accountGuard, b.accountGuard, ta["do:AccountGuard"], tb["do:AccountGuard"], events),
    accountCounters: figures(a.accountCounters, b.accountCounters, ta["do:AccountCounters"], tb["do:AccountCounters"], events),
  };
}

const messages = (s: Snapshot, store: string) => s.answer.tallies[store]?.messages ?? 0;

/** The whole measurement: two halves of `mails` mails, then `sends` sent mails. */
export async function measureStorage(options: { mails: number; sends: number }, log: (line: string) => void): Promise<StorageResults> {
  const started = performance.now();
  const deadline = Date.now() + 8 * 60_000;
  const signer = await createTestSigner();
  const ses = await startSesEmulator("127.0.0.1", 0);
  const config = benchConfig(ses.url);
  const worker = await startInterceptedWorker({
    log,
    config,
    outbound: (request) =>
      request.url === signer.certUrl
        ? new Response(signer.certificatePem)
        : request.url.startsWith(ses.url)
          ? fetch(request)
          : new Response("not reachable from a bench", { status: 502 }),
  });
  try {
    const runId = `st${Date.now().toString(36)}`;
    const half = Math.floor(options.mails / 2);
    log(`storage: ${half} mails (warm-up half: creates the objects and the first pages)`);
    const first = await fireMails(worker, signer, runId, 0, half);
    await settle(worker, first, deadline);
    const a = await snapshot(worker);
    log(`storage: ${options.mails - half} mails (measured half)`);
    const second = await fireMails(worker, signer, runId, half, options.mails);
    await settle(worker, first + second, deadline);
    const b = await snapshot(worker);
    log(`storage: a campaign send of ${options.sends} mails (send claims)`);
    await sendMails(worker, runId, options.sends, deadline);
    await settle(worker, first + second, deadline);
    const c = await snapshot(worker);
    const stores = eventFigures(a, b, second);
    const sendD1 = figures(b.d1, c.d1, b.answer.tallies.d1, c.answer.tallies.d1, options.sends);
    const all = Object.values(stores);
    return {
      date: new Date().toISOString(),
      mails: options.mails,
      measuredMails: options.mails - half,
      measuredEvents: second,
      campaigns: CAMPAIGNS,
      mix: MIX,
      eventsPerMail: round(EVENTS_PER_MAIL),
      stores,
      total: {
        bytesPerEvent: round(
          all.reduce((s, f) => s + f.bytesPerEvent, 0),
          1,
        ),
        rowsWrittenPerEvent: round(all.reduce((s, f) => s + f.rowsWrittenPerEvent, 0)),
      },
      queues: {
        eventMessagesPerEvent: round((messages(b, "queue:events") - messages(a, "queue:events")) / second, 3),
        eventMessageBytesPerEvent: round(
          ((b.answer.tallies["queue:events"]?.messageBytes ?? 0) - (a.answer.tallies["queue:events"]?.messageBytes ?? 0)) / second,
          0,
        ),
        webhookMessagesPerEvent: round((messages(b, "queue:webhooks") - messages(a, "queue:webhooks")) / second, 3),
        consumedPerEvent: round(((b.answer.consumed["mail-tracker-events"] ?? 0) - (a.answer.consumed["mail-tracker-events"] ?? 0)) / second, 3),
      },
      sends: {
        mails: options.sends,
        d1: sendD1,
        deliveriesBytesPerMail: round(
          Object.entries(sendD1.btrees)
            .filter(([name]) => name.includes("deliveries"))
            .reduce((s, [, t]) => s + t.bytesPerEvent, 0),
          1,
        ),
        queueMessagesPerMail: round((messages(c, "queue:send") - messages(b, "queue:send")) / options.sends, 3),
      },
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await worker.stop();
    await ses.close();
    rmSync(config, { force: true });
  }
}

/** Measure and keep the figures in bench/results/storage.json (bench/run.ts and the command alone). */
export async function runStorageBench(log: (line: string) => void): Promise<StorageResults> {
  const result = await measureStorage(
    { mails: Number(process.env.BENCH_STORAGE_MAILS ?? 2000), sends: Number(process.env.BENCH_STORAGE_SENDS ?? 500) },
    log,
  );
  mkdirSync(path.dirname(STORAGE_RESULTS), { recursive: true });
  writeFileSync(STORAGE_RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (path.resolve(process.argv[1] ?? "") === import.meta.filename) {
  const result = await runStorageBench((line) => console.log(`[storage] ${line}`));
  const { writeScaleDoc } = await import("./capacity.ts");
  writeScaleDoc(result);
  console.log(JSON.stringify(result.total), JSON.stringify(result.queues), "; wrote bench/results/storage.json, docs/SCALE.md");
  process.exit(0);
}
