// D1 allows at most 100 bound parameters per statement: multi-row inserts are cut to fit.

export const D1_MAX_BOUND_PARAMETERS = 100;

/** Rows per statement for a table with `columns` bound values per row. */
export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columns));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
