import { pairedRuns } from "./http.ts";
import { startLocalWorker } from "./local-worker.ts";
import { mintTokenSet } from "../test/support/traffic.ts";
const log = (l: string) => console.log(l);
const worker = await startLocalWorker({ log, undrainedQueue: "mail-tracker-events" });
try {
  const set = await mintTokenSet({ runId: "bench", campaigns: 10, contactsPerCampaign: 10 });
  const o = { runs: Number(process.env.RUNS ?? 3), seconds: 5, connections: 16, drains: false };
  for (const [name, list] of [["pixel", set.opens], ["click", set.clicks]] as const) {
    const r = await pairedRuns(worker, name, list, o, log);
    console.log(name, JSON.stringify({ rps: r.ratio.rps, p99: r.ratio.p99, t: r.tracking.rps, b: r.base.rps, unexpected: r.unexpected }));
  }
} finally {
  await worker.stop();
}
process.exit(0);
