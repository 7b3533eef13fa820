// Number formats shared by the report sections of docs/BENCHMARKS.md.
import type { Summary } from "./stats.ts";

export function n(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return "n/a";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" */
export function s(sum: Summary, digits = 0): string {
  return `${n(sum.median, digits)} (${n(sum.min, digits)}–${n(sum.max, digits)})`;
}
