// A Durable Object's SQLite migrations (drizzle-kit's durable-sqlite output), applied in its constructor.
//
// drizzle-orm's migrator decides what to run by the journal's `when` against the newest row of the object's
// `__drizzle_migrations` table, so an object runs each migration once, lazily, on its first access after a deploy.

import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";

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

/** The first `count` migrations only: what the object's schema was at that point. */
function upTo(bundle: ObjectMigrations, count: number): ObjectMigrations {
  return { ...bundle, journal: { ...bundle.journal, entries: bundle.journal.entries.slice(0, count) } };
}

/**
 * Brings the object's tables to the newest migration. A code step (a data migration that SQL cannot say, versioned
 * by itself) runs when the SQL migrations before it have: a later migration may drop what it reads. Call it inside
 * `ctx.blockConcurrencyWhile` in the constructor, so nothing is served from an older schema.
 */
export async function migrateObject(storage: DurableObjectStorage, bundle: ObjectMigrations, steps: readonly CodeStep[] = []): Promise<void> {
  const db = drizzle(storage);
  for (const step of [...steps].sort((a, b) => a.after - b.after)) {
    await migrate(db, upTo(bundle, step.after));
    step.run(storage);
  }
  await migrate(db, bundle);
}
