// Waiting for the local queue to drain: poll D1 until what is stored matches what was sent, or stops changing.
import type { LocalWorker } from "./local-worker.ts";

export interface DrainResult {
  stored: Map<string, number>;
  /** True when the stored counts equal the expected ones. */
  exact: boolean;
  seconds: number;
}

/** Stored events per "campaign|type" for the campaigns whose id starts with `prefix` (letters, digits, dashes). */
export async function storedCounts(worker: LocalWorker, prefix: string, via: "file" | "wrangler" = "file"): Promise<Map<string, number>> {
  if (!/^[A-Za-z0-9-]+$/.test(prefix)) throw new Error(`unsafe campaign prefix ${prefix}`);
  const read = via === "file" ? worker.query.bind(worker) : worker.queryWithWrangler.bind(worker);
  const rows = await read<{ c: string; t: string; n: number }>(
    `SELECT campaign_id AS c, type AS t, count(*) AS n FROM events WHERE campaign_id LIKE '${prefix}%' GROUP BY campaign_id, type`,
  );
  return new Map(rows.map((r) => [`${r.c}|${r.t}`, r.n]));
}

export function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

export function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const v of counts.values()) sum += v;
  return sum;
}

/**
 * Poll until the stored counts equal `expected`; give up when they have not changed for `stableSeconds`
 * (the queue has nothing more to deliver) or after `timeoutSeconds`. Never returns early on a mere match in
 * totals: every campaign and type must match.
 */
export async function waitForDrain(
  worker: LocalWorker,
  prefix: string,
  expected: ReadonlyMap<string, number>,
  { timeoutSeconds = 300, stableSeconds = 20, intervalMs = 250 } = {},
): Promise<DrainResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let last = new Map<string, number>();
  let lastChange = elapsed();
  for (;;) {
    const stored = await storedCounts(worker, prefix);
    if (sameCounts(stored, expected)) return { stored, exact: true, seconds: elapsed() };
    if (!sameCounts(stored, last)) {
      last = stored;
      lastChange = elapsed();
    }
    if (elapsed() - lastChange > stableSeconds || elapsed() > timeoutSeconds) return { stored, exact: false, seconds: elapsed() };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
