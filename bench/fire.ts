// Firing planned requests at a running worker with bounded concurrency, checking every answer on the way.
import type { PlannedRequest } from "../test/support/traffic.ts";

export interface FireResult {
  /** Requests answered exactly as planned (status, and Location for clicks). */
  answered: PlannedRequest[];
  /** Answers that differed from the plan, with what came back (at most 20 kept as examples). */
  wrong: Array<{ path: string; status: number; location: string | null; expected: PlannedRequest["expect"] }>;
  wrongCount: number;
  /** Requests that got no answer at all (connection errors). */
  failed: number;
  seconds: number;
}

export async function fire(origin: string, plan: readonly PlannedRequest[], concurrency: number): Promise<FireResult> {
  const result: FireResult = { answered: [], wrong: [], wrongCount: 0, failed: 0, seconds: 0 };
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < plan.length) {
      const planned = plan[next++]!;
      let response: Response;
      try {
        response = await fetch(origin + planned.path, { redirect: "manual" });
        await response.arrayBuffer();
      } catch {
        result.failed++;
        continue;
      }
      const location = response.headers.get("location");
      const expect = planned.expect;
      const ok = response.status === expect.status && (expect.kind === "click" ? location === expect.location : location === null);
      if (ok) result.answered.push(planned);
      else {
        result.wrongCount++;
        if (result.wrong.length < 20) result.wrong.push({ path: planned.path, status: response.status, location, expected: expect });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
