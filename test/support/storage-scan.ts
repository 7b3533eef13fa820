// Looking through every table of D1 and of a Durable Object for text that names someone: what erasure must leave empty.
import { runInDurableObject } from "cloudflare:test";

export interface Mention {
  where: string;
  table: string;
  column: string;
  value: string;
}

/** Tables a scan reads: everything but SQLite's, D1's and the runtime's own bookkeeping. */
const OWN = (name: string) => !name.startsWith("sqlite_") && !name.startsWith("_cf_") && name !== "d1_migrations";

function find(where: string, table: string, rows: Iterable<Record<string, unknown>>, needles: readonly string[]): Mention[] {
  const lower = needles.map((n) => n.toLowerCase());
  const out: Mention[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (typeof value !== "string") continue;
      const text = value.toLowerCase();
      if (lower.some((n) => text.includes(n))) out.push({ where, table, column, value });
    }
  }
  return out;
}

/** Every text value in every table of the database that contains one of the needles (case ignored). */
export async function d1Mentions(db: D1Database, needles: readonly string[]): Promise<Mention[]> {
  const { results: tables } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
  const out: Mention[] = [];
  for (const { name } of tables.filter((t) => OWN(t.name))) {
    const { results } = await db.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    out.push(...find("D1", name, results, needles));
  }
  return out;
}

/** The same through a Durable Object's own storage: its SQL tables and its key-value entries. */
export async function durableObjectMentions(stub: DurableObjectStub, needles: readonly string[]): Promise<Mention[]> {
  return runInDurableObject(stub, async (_instance, state) => {
    const sql = state.storage.sql;
    const out: Mention[] = [];
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray();
    for (const { name } of tables.filter((t) => OWN(t.name))) {
      out.push(...find("Durable Object", name, sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM "${name}"`).toArray(), needles));
    }
    const kv = [...(await state.storage.list()).entries()].map(([key, value]) => ({ key, value: JSON.stringify(value) }));
    out.push(...find("Durable Object", "(key-value)", kv, needles));
    return out;
  });
}
