// The Durable Objects' schema migrations (src/db/object-migrations.ts): an object made by the previous release (its
// constructor's CREATE TABLE IF NOT EXISTS, test/fixtures/durable/) adopts the baseline and keeps its rows and counts,
// at schema version 1 and 2 alike; a migration added after the baseline applies only itself.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import accountBefore from "../fixtures/durable/account-guard-before-migrations.sql?raw";
import statsBefore from "../fixtures/durable/campaign-stats-before-migrations.sql?raw";
import { migrateObject, ObjectMigrationFailed, type ObjectMigrations } from "../../src/db/object-migrations";
import statsMigrations from "../../src/stats/migrations/migrations.js";
import guardMigrations from "../../src/guard/migrations/migrations.js";
import { migrateStats } from "../../src/stats/identity-migration";
import { campaignStats } from "../../src/objects/stats-client";
import { HOUR_MS, type CountedEvent } from "../../src/stats/counting";
import { uniqueId } from "../support/helpers";

const MIGRATIONS_TABLE = "__drizzle_migrations";
const H = 480_000; // an hour number
const AT = H * HOUR_MS;

/** The tables and indexes an object holds (not SQLite's or the runtime's own, nor the migrations' record). */
function schemaOf(sql: SqlStorage): Array<{ type: string; name: string; sql: string | null }> {
  return sql
    .exec<{ type: string; name: string; sql: string | null }>(
      `SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND tbl_name <> '${MIGRATIONS_TABLE}' ORDER BY name`,
    )
    .toArray();
}

/** Turns a live object back into one the previous release made: nothing but what its constructor created. */
function asPreviousRelease(sql: SqlStorage, createdBefore: string): void {
  for (const { name } of schemaOf(sql).filter((o) => o.type === "table")) sql.exec(`DROP TABLE "${name}"`);
  sql.exec(`DROP TABLE IF EXISTS ${MIGRATIONS_TABLE}`);
  sql.exec(createdBefore);
}

function appliedMigrations(sql: SqlStorage): number[] {
  const present = sql.exec("SELECT 1 FROM sqlite_master WHERE name = ?", MIGRATIONS_TABLE).toArray().length > 0;
  if (!present) return [];
  return sql
    .exec<{ created_at: number }>(`SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at`)
    .toArray()
    .map((r) => Number(r.created_at));
}

const journalTimes = (bundle: ObjectMigrations) => bundle.journal.entries.map((e) => e.when);

/** What a campaign object of the previous release held: counters, hours, unique sets, links, applied ids, a click. */
function fillAsPreviousRelease(sql: SqlStorage, contact: { first: string; second: string }, schemaVersion: 2 | null): void {
  if (schemaVersion !== null) sql.exec("INSERT INTO about (key, value) VALUES ('schemaVersion', ?)", String(schemaVersion));
  sql.exec("INSERT INTO about (key, value) VALUES ('campaignId', 'spring')");
  sql.exec("INSERT INTO applied (id, at) VALUES ('e1', ?1), ('e2', ?1), ('e3', ?1), ('e4', ?1)", Date.now());
  sql.exec("INSERT INTO counters (name, n) VALUES ('sent', 2), ('opens', 2), ('opensUnique', 2), ('clicks', 1), ('clicksUnique', 1)");
  sql.exec(
    "INSERT INTO hours (hour, name, n) VALUES (?1, 'sent', 2), (?1, 'opens', 2), (?1, 'opensUnique', 2), (?1, 'clicks', 1), (?1, 'clicksUnique', 1)",
    H,
  );
  sql.exec(
    "INSERT INTO firsts (name, contact, at) VALUES ('opensUnique', ?1, ?3), ('opensUnique', ?2, ?4), ('clicksUnique', ?1, ?4)",
    contact.first,
    contact.second,
    AT + 1,
    AT + 2,
  );
  sql.exec("INSERT INTO links (link_index, url, total, uniq, machine) VALUES (0, 'https://shop.example/', 1, 1, 0)");
  sql.exec("INSERT INTO link_contacts (link_index, url, contact) VALUES (0, 'https://shop.example/', ?)", contact.first);
  sql.exec("UPDATE guard SET scope_id = 'spring', pauses = 1 WHERE k = 1");
}

function open(id: string, contactId: string): CountedEvent {
  return {
    id,
    type: "open",
    contactId,
    occurredAt: AT + 10,
    link: null,
    linkIndex: null,
    bounceType: null,
    source: null,
    machine: false,
    machineReason: null,
    unsubscribeAll: false,
  };
}

describe("Durable Object migrations", () => {
  it.each([
    { cls: "CampaignStats", ns: () => env.CAMPAIGN_STATS as DurableObjectNamespace, before: statsBefore, bundle: statsMigrations },
    { cls: "AccountGuard", ns: () => env.ACCOUNT_GUARD as DurableObjectNamespace, before: accountBefore, bundle: guardMigrations },
  ])("gives a new $cls object exactly the tables and indexes the previous release created", async ({ ns, before, bundle }) => {
    const fresh = ns().get(ns().idFromName(uniqueId("fresh")));
    const made = await runInDurableObject(fresh, (_i, state) => ({
      schema: schemaOf(state.storage.sql),
      applied: appliedMigrations(state.storage.sql),
    }));
    const old = ns().get(ns().idFromName(uniqueId("old")));
    const previous = await runInDurableObject(old, (_i, state) => {
      asPreviousRelease(state.storage.sql, before);
      return schemaOf(state.storage.sql);
    });
    expect(previous.length).toBeGreaterThan(3);
    expect(made.schema).toEqual(previous);
    expect(made.applied).toEqual(journalTimes(bundle));
  });

  it("upgrades a CampaignStats object of schema version 1: adopts the baseline, merges spellings once, keeps every row", async () => {
    const stub = campaignStats(env.CAMPAIGN_STATS, uniqueId("v1"));
    await runInDurableObject(stub, (_i, state) => {
      asPreviousRelease(state.storage.sql, statsBefore);
      // No schema version: made before the identity key; Ann counted under two spellings.
      fillAsPreviousRelease(state.storage.sql, { first: "Ann@example.com", second: "ann@example.com" }, null);
      expect(appliedMigrations(state.storage.sql)).toEqual([]);
    });
    await evictDurableObject(stub);

    // The next access runs the new constructor: the migrations, then the identity key's data migration.
    const counts = await stub.counts();
    expect(counts).toMatchObject({ sent: 2, opens: 2, opensUnique: 1, clicks: 1, clicksUnique: 1 });
    expect(await stub.links()).toEqual([{ linkIndex: 0, url: "https://shop.example/", total: 1, unique: 1, machine: 0 }]);
    const after = await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      return {
        applied: appliedMigrations(sql),
        version: sql.exec("SELECT value FROM about WHERE key = 'schemaVersion'").one().value,
        ids: sql.exec("SELECT count(*) AS n FROM applied").one().n,
        firsts: sql.exec("SELECT name, contact, at FROM firsts ORDER BY name").toArray(),
        guard: sql.exec("SELECT scope_id, pauses FROM guard").toArray(),
      };
    });
    expect(after).toEqual({
      applied: journalTimes(statsMigrations),
      version: "2",
      ids: 4,
      firsts: [
        { name: "clicksUnique", contact: "ann@example.com", at: AT + 2 },
        { name: "opensUnique", contact: "ann@example.com", at: AT + 1 },
      ],
      guard: [{ scope_id: "spring", pauses: 1 }],
    });
    // It counts as before: an id it had applied is a duplicate, a new one counts.
    expect(await stub.record([open("e1", "ann@example.com"), open("e5", "bob@example.com")])).toMatchObject({ applied: 1, duplicates: 1 });
    expect(await stub.counts()).toMatchObject({ opens: 3, opensUnique: 2 });
  });

  it("upgrades a CampaignStats object of schema version 2 without moving a count, and only once", async () => {
    const stub = campaignStats(env.CAMPAIGN_STATS, uniqueId("v2"));
    const before = await runInDurableObject(stub, (instance, state) => {
      asPreviousRelease(state.storage.sql, statsBefore);
      fillAsPreviousRelease(state.storage.sql, { first: "ann@example.com", second: "bob@example.com" }, 2);
      return instance.counts();
    });
    expect(before).toMatchObject({ sent: 2, opens: 2, opensUnique: 2, clicks: 1, clicksUnique: 1 });
    await evictDurableObject(stub);
    expect(await stub.counts()).toEqual(before);
    await evictDurableObject(stub);
    // A second start applies nothing more.
    expect(await stub.counts()).toEqual(before);
    const after = await runInDurableObject(stub, (_i, state) => ({
      applied: appliedMigrations(state.storage.sql),
      firsts: state.storage.sql.exec("SELECT count(*) AS n FROM firsts").one().n,
      hours: state.storage.sql.exec("SELECT count(*) AS n FROM hours").one().n,
    }));
    expect(after).toEqual({ applied: journalTimes(statsMigrations), firsts: 3, hours: 5 });
  });

  it("upgrades an AccountGuard object of the previous release: its window and its pause stay", async () => {
    const stub = env.ACCOUNT_GUARD.get(env.ACCOUNT_GUARD.idFromName(uniqueId("account")));
    const minute = Math.floor(Date.now() / 60_000);
    await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      asPreviousRelease(sql, accountBefore);
      sql.exec("INSERT INTO seen (id, at) VALUES ('s1', ?1), ('s2', ?1), ('b1', ?1)", Date.now());
      sql.exec("INSERT INTO minutes (minute, sent, bounces_hard, complaints) VALUES (?, 2, 1, 0)", minute);
      sql.exec("UPDATE guard SET pauses = 3 WHERE k = 1");
    });
    await evictDurableObject(stub);
    expect((await stub.state()).window).toMatchObject({ sent: 2, bouncesHard: 1, complaints: 0 });
    // A replayed id stays counted once.
    expect(await stub.record([{ id: "s1", kind: "sent", at: Date.now() }])).toEqual({ applied: 0 });
    const after = await runInDurableObject(stub, (_i, state) => ({
      applied: appliedMigrations(state.storage.sql),
      pauses: state.storage.sql.exec("SELECT pauses FROM guard").one().pauses,
    }));
    expect(after.applied).toEqual(journalTimes(guardMigrations));
    expect(after.pauses).toBe(3);
  });

  it("applies only a migration added after the baseline to an object made under the baseline", async () => {
    const stub = campaignStats(env.CAMPAIGN_STATS, uniqueId("next"));
    await stub.record([open("n1", "ann@example.com"), open("n2", "bob@example.com")]);
    const last = statsMigrations.journal.entries.at(-1)!;
    const next: ObjectMigrations = {
      journal: { entries: [...statsMigrations.journal.entries, { idx: last.idx + 1, when: last.when + 1, tag: "next", breakpoints: true }] },
      migrations: {
        ...statsMigrations.migrations,
        [`m${String(last.idx + 1).padStart(4, "0")}`]:
          "ALTER TABLE counters ADD COLUMN note TEXT;\n--> statement-breakpoint\nCREATE INDEX firsts_at ON firsts (at);",
      },
    };
    const result = await runInDurableObject(stub, async (_i, state) => {
      const sql = state.storage.sql;
      // Were the baseline run again, its CREATE INDEX IF NOT EXISTS would bring this index back.
      sql.exec("DROP INDEX applied_at");
      let identitySteps = 0;
      const step = {
        after: 1,
        run: (s: DurableObjectStorage) => {
          identitySteps++;
          migrateStats(s);
        },
      };
      await migrateObject(state.storage, next, [step]);
      await migrateObject(state.storage, next, [step]);
      return {
        applied: appliedMigrations(sql),
        identitySteps,
        note: sql.exec("SELECT count(*) AS n FROM pragma_table_info('counters') WHERE name = 'note'").one().n,
        indexes: schemaOf(sql)
          .filter((o) => o.type === "index")
          .map((o) => o.name),
        opens: sql.exec("SELECT n FROM counters WHERE name = 'opensUnique'").one().n,
      };
    });
    expect(result.applied).toEqual([...journalTimes(statsMigrations), last.when + 1]);
    // The identity key's step runs each time but is versioned by itself: it found nothing to do (opens stay 2).
    expect(result.identitySteps).toBe(2);
    expect(result.note).toBe(1);
    expect(result.indexes).toContain("firsts_at");
    expect(result.indexes).not.toContain("applied_at");
    expect(result.opens).toBe(2);
  });

  it("rolls a failing migration back whole and leaves the object at the migration before", async () => {
    const stub = campaignStats(env.CAMPAIGN_STATS, uniqueId("broken"));
    await stub.record([open("b1", "ann@example.com")]);
    const last = statsMigrations.journal.entries.at(-1)!;
    const broken: ObjectMigrations = {
      journal: { entries: [...statsMigrations.journal.entries, { idx: last.idx + 1, when: last.when + 1, tag: "broken", breakpoints: true }] },
      migrations: {
        ...statsMigrations.migrations,
        [`m${String(last.idx + 1).padStart(4, "0")}`]:
          "ALTER TABLE counters ADD COLUMN note TEXT;\n--> statement-breakpoint\nALTER TABLE nowhere ADD COLUMN x;",
      },
    };
    const outcome = await runInDurableObject(stub, async (_i, state) => {
      const error = await migrateObject(state.storage, broken).then(
        () => null,
        (e: unknown) => (e instanceof ObjectMigrationFailed ? { tag: e.tag, reason: e.reason } : e),
      );
      // One transaction: the half that worked is rolled back with the half that failed.
      const note = state.storage.sql.exec("SELECT count(*) AS n FROM pragma_table_info('counters') WHERE name = 'note'").one().n;
      return { error, note, applied: appliedMigrations(state.storage.sql) };
    });
    // Named by its tag, with SQLite's own reason (drizzle's migrator says only "Rollback").
    expect(outcome.error).toEqual({ tag: "broken", reason: expect.stringMatching(/no such table: nowhere/) });
    expect(outcome).toMatchObject({ note: 0, applied: journalTimes(statsMigrations) });
  });
});
