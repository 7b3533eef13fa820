// One place that turns the D1 binding into a Drizzle client, and runs statement lists as one D1 batch.

import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { type Query, type SQL, sql } from "drizzle-orm";
import * as schema from "./schema";

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** One statement of a batch: a query builder, or `db.run(sql…)` where Drizzle cannot build the statement. */
export type Statement = BatchItem<"sqlite"> & ({ toSQL(): Query } | { getQuery(): Query });

/**
 * Write statements as one round trip and one transaction, in order; nothing to do for an empty list. Not `db.batch`:
 * Drizzle's D1 batch binds parameters only for query builders (a `db.run(sql…)` with parameters fails in it), and its
 * type wants a non-empty tuple. Each statement is compiled by Drizzle; the results are D1's, unmapped (reads that need
 * Drizzle's row mapping use `db.batch`).
 */
export async function runBatch(db: Db, statements: readonly Statement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  return db.$client.batch(
    statements.map((s) => {
      const { sql: text, params } = "toSQL" in s ? s.toSQL() : s.getQuery();
      return db.$client.prepare(text).bind(...params);
    }),
  );
}

/**
 * Hand-written SQL with numbered parameters (?1, ?2, …) as a Drizzle query, for the statements whose exact text a
 * test checks against the query planner (each ?N becomes a bound parameter in its place).
 */
export function numbered(text: string, params: readonly unknown[]): SQL {
  const chunks: SQL[] = [];
  let at = 0;
  for (const m of text.matchAll(/\?(\d+)/g)) {
    chunks.push(sql.raw(text.slice(at, m.index)), sql`${params[Number(m[1]) - 1]}`);
    at = m.index + m[0].length;
  }
  chunks.push(sql.raw(text.slice(at)));
  return sql.join(chunks);
}
