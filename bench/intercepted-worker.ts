// A throwaway local deployment whose outbound fetches are answered by the load run (test/support/local-worker.ts:
// wrangler's startWorker API with miniflare's `outboundService`), so the worker fetches its SNS signing certificate for
// real (the production code path, nothing switched off) and the harness serves the test certificate on that URL, as
// vi.spyOn does in tests. The worker still runs in its own workerd process, only wrangler's orchestration lives in this
// process; this adds the benchmarks' views of it: D1 read directly and the workerd processes.
import { startInterceptedWorker as start } from "../test/support/local-worker.ts";
import { descendantsNamed, localD1, type LocalWorker } from "./local-worker.ts";

/** Start the worker with fresh local state; every fetch it makes goes to `outbound` instead of the network. */
export async function startInterceptedWorker(options: {
  outbound: (request: Request) => Promise<Response> | Response;
  log?: (line: string) => void;
  config?: string;
  onWorkerLog?: (level: string, message: string) => void;
}): Promise<LocalWorker> {
  const worker = await start(options);
  return {
    ...worker,
    pid: process.pid,
    ...localD1(worker.stateDir),
    workerdPids: () => descendantsNamed(process.pid, "workerd"),
  };
}
