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
