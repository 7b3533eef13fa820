// Fault injection for tests: a D1 binding that fails the statements a predicate picks, like a real outage would.

/** Wrap `db` so that any batch or statement whose SQL or bound values match `fails` throws. */
export function faultyD1(db: D1Database, fails: (sql: string, values: unknown[]) => boolean): D1Database {
  const described = new WeakMap<D1PreparedStatement, { sql: string; values: unknown[] }>();
  const wrap = (stmt: D1PreparedStatement, sql: string, values: unknown[]): D1PreparedStatement => {
    const proxy: D1PreparedStatement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...more: unknown[]) => wrap(target.bind(...more), sql, more);
        const check = () => {
          if (fails(sql, values)) throw new Error("D1_ERROR: injected fault");
        };
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
          return (...args: unknown[]) => {
            check();
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    described.set(proxy, { sql, values });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql, []);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          for (const s of statements) {
            const d = described.get(s);
            if (d && fails(d.sql, d.values)) throw new Error("D1_ERROR: injected fault");
          }
          // The real batch needs the real statements: unwrap by re-preparing from what was recorded.
          return target.batch(
            statements.map((s) => {
              const d = described.get(s);
              return d ? target.prepare(d.sql).bind(...d.values) : s;
            }),
          );
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Wrap the CampaignStats namespace so that `record` calls for the campaigns `fails` picks throw: by default
 * before reaching the object (an unreachable or overloaded Durable Object); with `when: "after"` once the
 * object has applied them (the answer is lost on the way back). Everything else passes through.
 */
export function faultyCounters(
  ns: Env["CAMPAIGN_STATS"],
  fails: (campaignId: string) => boolean,
  when: "before" | "after" = "before",
): Env["CAMPAIGN_STATS"] {
  return new Proxy(ns, {
    get(target, prop) {
      if (prop === "get") {
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, {
            get(s, p) {
              if (p === "record" && fails(id.name ?? "")) {
                if (when === "before") return () => Promise.reject(new Error("injected fault: counters unavailable"));
                const record = Reflect.get(s, p) as (...args: unknown[]) => Promise<unknown>;
                return async (...args: unknown[]) => {
                  await record(...args);
                  throw new Error("injected fault: counters applied, answer lost");
                };
              }
              return Reflect.get(s, p);
            },
          });
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** `db` with its batch() replaced; everything else passes through. */
function withBatch(db: D1Database, batch: (target: D1Database, statements: D1PreparedStatement[]) => Promise<D1Result[]>): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") return (statements: D1PreparedStatement[]) => batch(target, statements);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Wrap `db` so that every batch fails inside its transaction: the batch's own statements run, then a statement
 * that violates a NOT NULL constraint fails in SQLite, and D1 rolls the whole batch back (a real D1 error, not a
 * thrown stand-in).
 */
export function failingInsideBatch(db: D1Database): D1Database {
  return withBatch(db, (target, statements) =>
    target.batch([...statements, target.prepare("INSERT INTO events (id) VALUES ('fault-inside-batch')")]),
  );
}

/**
 * Wrap `db` so that every batch that wrote commits, then its answer is lost (the caller sees an error after the
 * write). A batch that only read (the consumer's send-time lookup) answers as usual: there is nothing to lose.
 */
export function failingAfterCommit(db: D1Database): D1Database {
  return withBatch(db, async (target, statements) => {
    const results = await target.batch(statements);
    if (results.every((r) => (r.meta.rows_written ?? 0) === 0)) return results;
    throw new Error("D1_ERROR: connection lost after commit (injected)");
  });
}
