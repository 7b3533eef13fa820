// Bench-only tallies of what the platform bills: D1 rows written/read (each result's `meta`), Durable Object SQL rows
// written/read (each cursor's `rowsWritten`/`rowsRead`) and queue messages sent, kept per isolate by store name.
//
// Why counted inside and not only from outside: an upsert of a counter or an UPDATE changes no row count and no file
// size, yet each is a billed written row; only D1's meta and the cursor's counters see them. The storage bench also
// counts stored rows from outside (bench/sqlite-usage.ts) as a cross-check of the inserts.
import type { Tally } from "./storage-route";

export type { Tally };

const tallies = new Map<string, Tally>();

function tallyOf(store: string): Tally {
  let t = tallies.get(store);
  if (!t) tallies.set(store, (t = { rowsWritten: 0, rowsRead: 0, statements: 0, messages: 0, messageBytes: 0 }));
  return t;
}

let isolateId: string | undefined;

/** The tallies of this isolate (named by a random id, made on first use), after settling every cursor not yet read. */
export function readTallies(): { isolate: string; tallies: Record<string, Tally> } {
  for (const settle of settlers) settle();
  isolateId ??= crypto.randomUUID();
  return { isolate: isolateId, tallies: Object.fromEntries([...tallies].map(([k, v]) => [k, { ...v }])) };
}

/** A proxy of `target` whose `overrides` replace some members; every other method is bound to the real object. */
function overlay<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value = Reflect.get(t, key, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

type Meta = { rows_written?: number; rows_read?: number };
const WRITE_SQL = /^\s*(insert|update|delete|replace|with)\b/i;

function addMeta(t: Tally, result: { meta?: Meta } | undefined): void {
  t.statements++;
  t.rowsWritten += result?.meta?.rows_written ?? 0;
  t.rowsRead += result?.meta?.rows_read ?? 0;
}

const REAL = Symbol("real statement");
type Counted = D1PreparedStatement & { [REAL]: D1PreparedStatement };

function countedStatement(real: D1PreparedStatement, sql: string, t: Tally): Counted {
  const s = overlay(real, {
    bind: (...values: unknown[]) => countedStatement(real.bind(...values), sql, t),
    run: async () => {
      const r = await real.run();
      addMeta(t, r);
      return r;
    },
    all: async () => {
      const r = await real.all();
      addMeta(t, r);
      return r;
    },
    // raw() answers without meta: a write (drizzle's `.returning()`) is run through all() so its rows are counted.
    raw: async (options?: { columnNames?: boolean }) => {
      if (!WRITE_SQL.test(sql)) return options?.columnNames ? real.raw({ columnNames: true }) : real.raw();
      const r = await real.all<Record<string, unknown>>();
      addMeta(t, r);
      const rows = r.results.map((row) => Object.values(row));
      return options?.columnNames ? [Object.keys(r.results[0] ?? {}), ...rows] : rows;
    },
  }) as Counted;
  Object.defineProperty(s, REAL, { value: real });
  return s;
}

/** A D1 binding whose every result's meta is added to the tally of `store`. */
export function countedD1(db: D1Database, store: string): D1Database {
  const t = tallyOf(store);
  return overlay(db, {
    prepare: (sql: string) => countedStatement(db.prepare(sql), sql, t),
    batch: async (statements: Counted[]) => {
      const results = await db.batch(statements.map((s) => s[REAL] ?? s));
      for (const r of results) addMeta(t, r);
      return results;
    },
  });
}

/** A queue binding whose sends are counted under `store`. */
export function countedQueue<T>(queue: Queue<T>, store: string): Queue<T> {
  const t = tallyOf(store);
  const add = (body: unknown) => {
    t.messages++;
    t.messageBytes += JSON.stringify(body)?.length ?? 0;
  };
  return overlay(queue, {
    send: (body: T, options?: QueueSendOptions) => {
      add(body);
      return queue.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      for (const m of list) add(m.body);
      return queue.sendBatch(list, options);
    },
  });
}

/** Cursors whose counters are read later (a RETURNING cursor is complete only once read); settled by readTallies. */
const settlers = new Set<() => void>();

/**
 * Make the SQL cursors of a Durable Object add their rows written and read to the tally of `store`. The object's own
 * `ctx.storage.sql` is changed in place (its `exec` replaced), since the runtime accepts only a genuine state object.
 */
export function countSql(ctx: DurableObjectState, store: string): DurableObjectState {
  const t = tallyOf(store);
  const sql = ctx.storage.sql;
  const exec = sql.exec.bind(sql);
  let pending: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const settle = () => {
    for (const c of pending) {
      try {
        t.rowsWritten += c.rowsWritten;
        t.rowsRead += c.rowsRead;
      } catch {
        // the object was reset or evicted: its last cursors are lost to the tally, never double counted
      }
    }
    pending = [];
  };
  settlers.add(settle);
  const counted = ((query: string, ...bindings: unknown[]) => {
    // A write's rows are all written by its first step (RETURNING included), which exec takes: by the next exec the
    // previous cursors' rowsWritten are final. A read cursor iterated across later execs may be counted short.
    settle();
    const cursor = exec(query, ...bindings);
    t.statements++;
    pending.push(cursor);
    return cursor;
  }) as SqlStorage["exec"];
  Object.defineProperty(sql, "exec", { value: counted, configurable: true, writable: true });
  if (ctx.storage.sql.exec !== counted) throw new Error("ctx.storage.sql is not one object: its cursors cannot be counted");
  return ctx;
}
