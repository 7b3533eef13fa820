// Retention: the cron deletes raw events, dead letters, processed SNS ids and old send jobs past RETENTION_DAYS, a
// bounded number of rows per statement and statements per run, says what it removed, and keeps everything younger.
// A database of its own, so that rows are stored oldest first, as a deployment stores them.
import { applyD1Migrations, createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { applyRetention } from "../../src/cron/retention";

const DAY = 86_400_000;
const db = env.RETENTION_TEST_DB;
const bindings: Env = { ...env, DB: db };

beforeAll(async () => {
  await applyD1Migrations(db, env.TEST_MIGRATIONS);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const TABLES = ["events", "dead_letters", "deliveries", "send_jobs", "webhook_deliveries", "webhook_attempts"] as const;

async function counts(): Promise<Record<(typeof TABLES)[number], number>> {
  const out = {} as Record<(typeof TABLES)[number], number>;
  for (const t of TABLES) out[t] = (await db.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n;
  return out;
}

/** `n` rows of each table stored at `at` (ms), after whatever is there: the oldest are seeded first. */
async function store(tag: string, n: number, at: number): Promise<void> {
  const series = `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?2)`;
  await db.batch([
    db
      .prepare(`${series} INSERT INTO events (id, type, campaign_id, contact_id, email, occurred_at, received_at, ip)
        SELECT ?1 || '-' || i, 'open', 'c', 'p' || i || '@example.com', 'p' || i || '@example.com', ?3, ?3, '203.0.113.0' FROM s`)
      .bind(tag, n, at),
    db
      .prepare(`${series} INSERT INTO dead_letters (message_id, queue, body, attempts, enqueued_at, received_at)
        SELECT ?1 || '-dl-' || i, 'mail-tracker-events-dlq', '{}', 30, ?3, ?3 FROM s WHERE i <= 5`)
      .bind(tag, n, at),
    db
      .prepare(`INSERT INTO send_jobs (id, campaign_id, origin, from_address, subject, html, track_opens, track_clicks, recipients, enqueued, created_at)
        VALUES (?1, 'c', 'https://t.example', 'a@example.com', 's', '<p>hi</p>', 1, 1, 3, 3, ?2)`)
      .bind(`${tag}-job`, at),
    db
      .prepare(`${series} INSERT INTO deliveries (job_id, recipient, email, position, state, created_at, updated_at)
        SELECT ?1 || '-job', 'p' || i || '@example.com', 'p' || i || '@example.com', i, 'sent', ?3, ?3 FROM s WHERE i <= 3`)
      .bind(tag, n, at),
    db
      .prepare(`${series} INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, state, next_attempt_at, created_at, updated_at)
        SELECT ?1 || '-wh-' || i, 'ep', ?1 || '-' || i, 'email.open', '{"data":{"email":"p' || i || '@example.com"}}', 'delivered', ?3, ?3, ?3 FROM s WHERE i <= 4`)
      .bind(tag, n, at),
    db
      .prepare(
        `${series} INSERT INTO webhook_attempts (delivery_id, n, endpoint_id, at, outcome) SELECT ?1 || '-wh-' || i, 1, 'ep', ?3, 'delivered' FROM s WHERE i <= 4`,
      )
      .bind(tag, n, at),
  ]);
}

async function reset(): Promise<void> {
  await db.batch(TABLES.map((t) => db.prepare(`DELETE FROM ${t}`)));
}

describe("retention", () => {
  it("the cron deletes what is older than RETENTION_DAYS (395 by default), keeps the rest, and logs what it removed", async () => {
    await reset();
    const now = Date.now();
    await store("old", 1_200, now - 400 * DAY);
    await store("young", 50, now - 394 * DAY);
    const log = vi.spyOn(console, "log");

    await worker.scheduled(createScheduledController({ scheduledTime: now }), bindings, createExecutionContext());

    expect(await counts()).toEqual({
      events: 50,
      dead_letters: 5,
      deliveries: 3,
      send_jobs: 1,
      webhook_deliveries: 4,
      webhook_attempts: 4,
    });
    const line = log.mock.calls.map(([text]) => String(text)).find((text) => text.includes("retention"))!;
    expect(JSON.parse(line)).toMatchObject({
      msg: "retention: old data deleted",
      retentionDays: 395,
      removed: { events: 1_200, deadLetters: 5, deliveries: 3, sendJobs: 1, webhookDeliveries: 4, webhookAttempts: 4 },
      more: false,
    });
    const left = await db.prepare("SELECT min(received_at) AS oldest FROM events").first<{ oldest: number }>();
    expect(left!.oldest).toBe(now - 394 * DAY);
  });

  it("works a backlog off in bounded chunks: never more statements per run than its budget, nor rows per statement", async () => {
    await reset();
    const now = Date.now();
    await store("old", 5_000, now - 500 * DAY);
    await store("young", 10, now - DAY);
    const runs: Array<{ statements: number; more: boolean; events: number }> = [];
    for (let run = 0; run < 20; run++) {
      const before = (await counts()).events;
      const report = await applyRetention(bindings, now, { chunk: 300, budget: 8 });
      expect(before - (await counts()).events).toBe(report.removed.events);
      expect(report.removed.events).toBeLessThanOrEqual(7 * 300);
      runs.push({ statements: report.statements, more: report.more, events: report.removed.events });
      if (!report.more) break;
    }
    expect(runs.every((r) => r.statements <= 8)).toBe(true);
    expect(runs.length).toBeGreaterThan(3);
    expect(runs.at(-1)!.more).toBe(false);
    expect(await counts()).toEqual({
      events: 10,
      dead_letters: 5,
      deliveries: 3,
      send_jobs: 1,
      webhook_deliveries: 4,
      webhook_attempts: 4,
    });
  });

  it("follows RETENTION_DAYS", async () => {
    await reset();
    const now = Date.now();
    await store("older", 20, now - 8 * DAY);
    await store("newer", 20, now - 6 * DAY);
    await applyRetention({ ...bindings, RETENTION_DAYS: "7" }, now);
    expect(await counts()).toEqual({
      events: 20,
      dead_letters: 5,
      deliveries: 3,
      send_jobs: 1,
      webhook_deliveries: 4,
      webhook_attempts: 4,
    });
  });
});
