// A Durable Object's SQLite migrations (drizzle-kit's durable-sqlite output), applied in its constructor.
//
// drizzle-orm's migrator decides what to run by the journal's `when` against the newest row of the object's
// `__drizzle_migrations` table, so an object runs each migration once, lazily, on its first access after a deploy.

import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { log } from "../lib/log";

/** What drizzle-kit writes to <out>/migrations.js: the journal and each migration's SQL by `m<idx>`. */
export interface ObjectMigrations {
  journal: { entries: Array<{ idx: number; when: number; tag: string; breakpoints: boolean }> };
  migrations: Record<string, string>;
}

/** Code that must run at one point of the SQL migrations: after the first `after` of them (1 = the baseline). */
export interface CodeStep {
  after: number;
  run: (storage: DurableObjectStorage) => void;
}

/** A migration failed and was rolled back with the others of its run: the object keeps its schema as it was. */
export class ObjectMigrationFailed extends Error {
  constructor(
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`Durable Object migration ${tag} failed and was rolled back: ${reason}`);
    this.name = "ObjectMigrationFailed";
  }
}

const MIGRATIONS_TABLE = "__drizzle_migrations";

/** The first `count` migrations only: what the object's schema was at that point. */
function upTo(bundle: ObjectMigrations, count: number): ObjectMigrations {
  return { ...bundle, journal: { ...bundle.journal, entries: bundle.journal.entries.slice(0, count) } };
}

function lastApplied(sql: SqlStorage): number {
  const table = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", MIGRATIONS_TABLE).toArray().length > 0;
  if (!table) return Number.NEGATIVE_INFINITY;
  const row = sql.exec<{ at: number | null }>(`SELECT max(created_at) AS at FROM ${MIGRATIONS_TABLE}`).one();
  return row.at === null ? Number.NEGATIVE_INFINITY : Number(row.at);
}

/**
 * drizzle's migrator answers any failure with a bare "Rollback": run the pending statements again in a transaction
 * that is always rolled back, to name the migration and the statement's own error.
 */
function explainFailure(storage: DurableObjectStorage, bundle: ObjectMigrations, error: unknown): ObjectMigrationFailed {
  const since = lastApplied(storage.sql);
  const done = new Error("all statements ran");
  for (const entry of bundle.journal.entries.filter((e) => e.when > since)) {
    const text = bundle.migrations[`m${String(entry.idx).padStart(4, "0")}`] ?? "";
    try {
      storage.transactionSync(() => {
        for (const statement of text.split("--> statement-breakpoint")) storage.sql.exec(statement);
        throw done;
      });
    } catch (err) {
      if (err !== done) return new ObjectMigrationFailed(entry.tag, String(err));
    }
  }
  return new ObjectMigrationFailed("(unknown)", String(error));
}

async function migrateOrExplain(storage: DurableObjectStorage, bundle: ObjectMigrations): Promise<void> {
  try {
    await migrate(drizzle(storage), bundle);
  } catch (err) {
    const failed = explainFailure(storage, bundle, err);
    log.error("durable object migration failed", { tag: failed.tag, reason: failed.reason });
    throw failed;
  }
}

/**
 * Brings the object's tables to the newest migration. A code step (a data migration that SQL cannot say, versioned
 * by itself) runs when the SQL migrations before it have: a later migration may drop what it reads. Call it inside
 * `ctx.blockConcurrencyWhile` in the constructor, so nothing is served from an older schema (a failure there resets
 * the object, and its next access tries again).
 */
export async function migrateObject(storage: DurableObjectStorage, bundle: ObjectMigrations, steps: readonly CodeStep[] = []): Promise<void> {
  for (const step of [...steps].sort((a, b) => a.after - b.after)) {
    await migrateOrExplain(storage, upTo(bundle, step.after));
    step.run(storage);
  }
  await migrateOrExplain(storage, bundle);
}
