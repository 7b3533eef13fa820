// Summaries of repeated measurements: median and spread, never a single run's number. The runs' own values are not
// kept: bench/results/ holds what the reports read, and a summary is all they read.

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Interquartile range (25th to 75th percentile). */
  q1: number;
  q3: number;
  runs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    runs: sorted.length,
  };
}
