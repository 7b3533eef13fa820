// One place that turns the D1 binding into a Drizzle client, and runs statement lists as one D1 batch.

import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** Anything Drizzle can compile: query builders, or `{ sql, params }` written by hand. */
export interface Compilable {
  toSQL(): { sql: string; params: unknown[] };
}

/** A Drizzle query as a D1 statement, so Drizzle-built and hand-written SQL can share one batch. */
export function prepare(d1: D1Database, query: Compilable): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return d1.prepare(sql).bind(...params);
}

/** One round trip and one transaction for all the statements, in order; nothing to do for an empty list. */
export async function runBatch(d1: D1Database, statements: D1PreparedStatement[]): Promise<void> {
  if (statements.length === 0) return;
  await d1.batch(statements);
}
