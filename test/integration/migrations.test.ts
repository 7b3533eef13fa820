// Migrations over data written by older versions: case variants of one address merged as the rules would have.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { findSuppression } from "../../src/db/suppressions";

/** Migrations named before `name` (they are applied in name order). */
const before = (name: string) => env.TEST_MIGRATIONS.filter((m) => m.name < name);

describe("0005/0006: suppressions keyed on the lower-cased address", () => {
  it("keep one row per address from rows stored in several cases, the one the rules would keep, and match any case after", async () => {
    const db = env.MIGRATION_TEST_DB;
    await applyD1Migrations(db, before("0005"));
    const insert = (email: string, reason: string, since: number, expiresAt: number | null) =>
      db
        .prepare("INSERT INTO suppressions (email, reason, since, expires_at, event_id) VALUES (?, ?, ?, ?, NULL)")
        .bind(email, reason, since, expiresAt);
    const FUTURE = Date.now() + 86_400_000;
    await db.batch([
      // Two permanent reasons: the first one (earliest) stays.
      insert("Ann@example.com", "complaint", 200, null),
      insert("ann@example.com", "hard_bounce", 100, null),
      // A permanent reason beats a soft bounce, whichever came first.
      insert("bob@example.com", "soft_bounce", 50, FUTURE),
      insert("BOB@example.com", "manual", 900, null),
      // Two soft bounces: the one that lasts longest.
      insert("Cy@example.com", "soft_bounce", 10, FUTURE),
      insert("cy@example.com", "soft_bounce", 20, FUTURE + 1000),
      // Alone: untouched, shown as given.
      insert("Dee@Example.com", "unsubscribe", 30, null),
      db.prepare("INSERT INTO suppression_lifts (email, lifted_at) VALUES (?, ?), (?, ?)").bind("Eve@example.com", 500, "eve@example.com", 700),
      db.prepare(
        "INSERT INTO dead_letters (message_id, queue, body, attempts, enqueued_at) VALUES ('old-dl', 'mail-tracker-events-dlq', '{\"v\":1,\"events\":[]}', 4, 1)",
      ),
    ]);

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const { results } = await db.prepare("SELECT email, reason, since, email_key FROM suppressions ORDER BY email_key").all();
    expect(results).toEqual([
      { email: "ann@example.com", reason: "hard_bounce", since: 100, email_key: "ann@example.com" },
      { email: "BOB@example.com", reason: "manual", since: 900, email_key: "bob@example.com" },
      { email: "cy@example.com", reason: "soft_bounce", since: 20, email_key: "cy@example.com" },
      { email: "Dee@Example.com", reason: "unsubscribe", since: 30, email_key: "dee@example.com" },
    ]);
    expect(
      await db
        .prepare("SELECT email, lifted_at FROM suppression_lifts")
        .all()
        .then((r) => r.results),
    ).toEqual([{ email: "eve@example.com", lifted_at: 700 }]);
    // A dead letter from before replay existed waits for it.
    expect(await db.prepare("SELECT status, replay_attempts FROM dead_letters").first()).toEqual({ status: "pending", replay_attempts: 0 });

    // Lookups ignore case from now on, and a second spelling can no longer be stored beside the first.
    expect(await findSuppression(database(db), "ANN@EXAMPLE.COM")).toMatchObject({ email: "ann@example.com", reason: "hard_bounce" });
    expect(await findSuppression(database(db), "dee@example.com")).toMatchObject({ email: "Dee@Example.com" });
    await expect(insert("DEE@example.com", "manual", 1, null).run()).rejects.toThrow(/UNIQUE/);
  });
});

/** An empty database: the tests of this file share one, and each starts from its own older version. */
async function emptied(db: D1Database): Promise<D1Database> {
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .all<{ name: string }>();
  if (results.length > 0) await db.batch(results.map((t) => db.prepare(`DROP TABLE "${t.name}"`)));
  return db;
}

describe("0012: one identity key per person", () => {
  it("keys events by the lower-cased address and gives webhook deliveries their person's key; nothing is merged or lost", async () => {
    const db = await emptied(env.MIGRATION_TEST_DB);
    await applyD1Migrations(db, before("0012"));
    const event = (id: string, contact: string | null, email: string | null) =>
      db
        .prepare("INSERT INTO events (id, type, campaign_id, contact_id, email, occurred_at, received_at) VALUES (?, 'open', 'c1', ?, ?, 1, 1)")
        .bind(id, contact, email);
    const delivery = (id: string, eventId: string, type: string, payload: string) =>
      db
        .prepare(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, next_attempt_at, created_at, updated_at)
           VALUES (?, 'ep', ?, ?, ?, 1, 1, 1)`,
        )
        .bind(id, eventId, type, payload);
    await db.batch([
      event("e1", "Erase.Me@example.com", "Erase.Me@Example.COM"),
      event("e2", "erase.me@example.com", "erase.me@example.com"),
      event("e3", "joann@example.com", "joann@example.com"),
      event("e4", null, null),
      delivery("d1", "e1", "email.open", JSON.stringify({ type: "email.open", data: { email: "Erase.Me@Example.COM" } })),
      // Its event already gone (retention): the key comes from the payload.
      delivery("d2", "gone", "email.click", JSON.stringify({ type: "email.click", data: { email: "Ann@Example.com" } })),
      delivery("d3", "n1", "guard.paused", JSON.stringify({ type: "guard.paused", data: { scope: "account" } })),
      db.prepare(
        "INSERT INTO idempotency_keys (key, fingerprint, state, locked_until, created_at, expires_at) VALUES ('newsletter-ann@example.com', 'f', 'done', 0, 1, 2)",
      ),
    ]);

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const { results: events } = await db.prepare("SELECT id, contact_id, email FROM events ORDER BY id").all();
    expect(events).toEqual([
      { id: "e1", contact_id: "erase.me@example.com", email: "Erase.Me@Example.COM" },
      { id: "e2", contact_id: "erase.me@example.com", email: "erase.me@example.com" },
      { id: "e3", contact_id: "joann@example.com", email: "joann@example.com" },
      { id: "e4", contact_id: null, email: null },
    ]);
    const { results: deliveries } = await db.prepare("SELECT id, contact_key FROM webhook_deliveries ORDER BY id").all();
    expect(deliveries).toEqual([
      { id: "d1", contact_key: "erase.me@example.com" },
      { id: "d2", contact_key: "ann@example.com" },
      { id: "d3", contact_key: null },
    ]);
    // A key stored before digests waits, marked, to be moved to its digest (src/privacy/idempotency-digest.ts).
    expect(await db.prepare("SELECT key, digested FROM idempotency_keys").first()).toEqual({ key: "newsletter-ann@example.com", digested: 0 });
    // History is found by its key column.
    await db.prepare("INSERT INTO suppression_history (email, action, at) VALUES ('Erase.Me@Example.COM', 'suppress', 1)").run();
    expect(await db.prepare("SELECT email_key FROM suppression_history").first("email_key")).toBe("erase.me@example.com");
  });
});
