import { cpuPerRequest } from "./cpu.ts";
import { startLocalWorker } from "./local-worker.ts";
import { mintTokenSet, tamper } from "../test/support/traffic.ts";
const log = (l: string) => console.log(l);
const tamperedPath = (p: string) => p.replace(/^(\/[oc]\/)([A-Za-z0-9_-]+)/, (_m, prefix: string, token: string) => prefix + tamper(token));
const worker = await startLocalWorker({ log, undrainedQueue: "mail-tracker-events" });
try {
  const set = await mintTokenSet({ runId: "bench", campaigns: 10, contactsPerCampaign: 10 });
  const paths = (list: typeof set.opens) => list.map((r) => r.path);
  const r = await cpuPerRequest(worker, [
    { name: "GET /healthz", method: "GET", paths: ["/healthz"] },
    { name: "pixel wrong sig", method: "GET", paths: paths(set.opens).map(tamperedPath) },
    { name: "pixel", method: "GET", paths: paths(set.opens) },
    { name: "click wrong sig", method: "GET", paths: paths(set.clicks).map(tamperedPath) },
    { name: "click", method: "GET", paths: paths(set.clicks) },
  ], { rounds: Number(process.env.ROUNDS ?? 3), requests: 2000, concurrency: 4 }, log);
  for (const x of r.results) console.log(x.name, x.msPerRequest.median.toFixed(3), x.msOverHealthz.median.toFixed(3));
} finally {
  await worker.stop();
}
process.exit(0);
