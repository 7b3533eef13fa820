// The Parquet archive in R2: exactly once across a crash, settled verdicts, UTC dates, the API, retention, erasure;
// every file read back with DuckDB in Node (test/node/duckdb-reader.ts) and matched with the counters.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyArchiveRetention } from "../../src/archive/retention";
import { flushArchive, settleHorizonMs } from "../../src/archive/writer";
import { database, runBatch } from "../../src/db/client";
import { insertEventStatements } from "../../src/db/events";
import type { TrackingEvent } from "../../src/domain/events";
import { applyEvents } from "../../src/pipeline/apply";
import { addressHashFor } from "../../src/privacy/address-hash";
import { faultyD1 } from "../support/faults";
import { d1Mentions } from "../support/storage-scan";
import { api, sampleEvent, uniqueId } from "../support/helpers";

const HORIZON = settleHorizonMs(1000);
/** An instant at which everything stored so far has settled. */
const later = () => Date.now() + HORIZON + 1000;

async function objects(prefix = "events/"): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let cursor: string | undefined;
  do {
    const list = await env.ARCHIVE.list({ prefix, cursor });
    for (const o of list.objects) {
      const bytes = new Uint8Array(await (await env.ARCHIVE.get(o.key))!.arrayBuffer());
      files[o.key] = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
    }
    cursor = list.truncated ? list.cursor : undefined;
  } while (cursor);
  return files;
}

/** DuckDB over every archive object, as docs/ARCHIVE.md reads the bucket; `{{events}}` is the hive-partitioned table. */
async function duck<T = Record<string, unknown>>(sql: string, files?: Record<string, string>): Promise<T[]> {
  const all = files ?? (await objects());
  const table = "read_parquet('{{root}}/events/*/*.parquet', hive_partitioning = true)";
  const res = await fetch(`${env.DUCKDB_READER}/query`, {
    method: "POST",
    body: JSON.stringify({ files: all, sql: sql.replaceAll("{{events}}", table) }),
  });
  if (!res.ok) throw new Error(`duckdb: ${await res.text()}`);
  return (await res.json()) as T[];
}

const DAY = 86_400_000;
const MIDNIGHT = Date.UTC(2026, 5, 11);

function mail(campaignId: string, address: string, at: number, extra: Partial<TrackingEvent>[] = []): TrackingEvent[] {
  const base = { campaignId, contactId: address, email: address, sesMessageId: `ses-${crypto.randomUUID()}` };
  return [
    sampleEvent({ ...base, type: "send", occurredAt: at }),
    sampleEvent({ ...base, type: "delivery", occurredAt: at + 500 }),
    ...extra.map((e, i) => sampleEvent({ ...base, occurredAt: at + 1000 + i, ...e })),
  ];
}

type Stats = {
  sent: number;
  delivered: number;
  opens: { total: number; machine: number };
  clicks: { total: number; machine: number };
  bounces: { hard: number; soft: number };
  unsubscribes: number;
};

/** The counters' numbers next to the archive's, per campaign. */
async function compareWithCounters(campaigns: readonly string[]): Promise<void> {
  const rows = await duck<{ campaign_id: string; type: string; n: number; machine: number; hard: number }>(
    `SELECT campaign_id, type, count(*)::INTEGER AS n, count(*) FILTER (WHERE machine)::INTEGER AS machine,
       count(*) FILTER (WHERE bounce_type = 'Permanent')::INTEGER AS hard
     FROM {{events}} WHERE campaign_id IN (${campaigns.map((c) => `'${c}'`).join(", ")}) GROUP BY ALL`,
  );
  for (const c of campaigns) {
    const stats = (await (await api(`/campaigns/${c}/stats`)).json()) as Stats;
    const of = (type: string) => rows.find((r) => r.campaign_id === c && r.type === type) ?? { n: 0, machine: 0, hard: 0 };
    expect({
      sent: of("send").n,
      delivered: of("delivery").n,
      opens: of("open").n,
      machineOpens: of("open").machine,
      clicks: of("click").n,
      machineClicks: of("click").machine,
      hard: of("bounce").hard,
      soft: of("bounce").n - of("bounce").hard,
      unsubscribes: of("unsubscribe").n,
    }).toEqual({
      sent: stats.sent,
      delivered: stats.delivered,
      opens: stats.opens.total,
      machineOpens: stats.opens.machine,
      clicks: stats.clicks.total,
      machineClicks: stats.clicks.machine,
      hard: stats.bounces.hard,
      soft: stats.bounces.soft,
      unsubscribes: stats.unsubscribes,
    });
  }
}

describe("archive writer", () => {
  it("writes each settled event once, in the UTC date it happened (late ones in their own), with the counters' counts", async () => {
    const [a, b] = [uniqueId("arch-a"), uniqueId("arch-b")];
    const who = (n: number) => `reader${n}-${a}@example.com`;
    await applyEvents(env, [
      ...mail(a, who(1), MIDNIGHT - 5000, [{ type: "open" }, { type: "click", link: `https://shop.example/p?u=${who(1)}`, linkIndex: 0 }]),
      ...mail(a, who(2), MIDNIGHT + 100, [{ type: "open" }, { type: "unsubscribe" }]),
      ...mail(b, who(3), MIDNIGHT + 200, [
        {
          type: "bounce",
          metadata: { source: "ses", bounceType: "Permanent", bounceSubType: "General", diagnosticCode: `smtp; 550 ${who(3)} unknown` },
        },
      ]),
      ...mail(b, who(4), MIDNIGHT + 300, [{ type: "bounce", metadata: { source: "ses", bounceType: "Transient", bounceSubType: "MailboxFull" } }]),
    ]);
    // Late: arrives now, happened three days before.
    await applyEvents(env, [sampleEvent({ campaignId: b, contactId: who(5), email: who(5), type: "delivery", occurredAt: MIDNIGHT - 3 * DAY })]);

    expect((await flushArchive(env, "all", Date.now())).files).toEqual([]);
    const report = await flushArchive(env, "all", later());
    expect(report.events).toBeGreaterThanOrEqual(15);
    const dates = [...new Set(report.files.map((f) => /date=([\d-]+)/.exec(f.key)![1]))];
    expect(dates).toEqual(expect.arrayContaining(["2026-06-08", "2026-06-10", "2026-06-11"]));
    for (const f of report.files) {
      const head = await env.ARCHIVE.head(f.key);
      expect(head!.customMetadata!.events).toBe(String(f.events));
    }

    const mine = await duck<{ date: string; day: string; link: string | null; bounce_subtype: string | null }>(
      `SELECT CAST(date AS VARCHAR) AS date, strftime(occurred_at, '%Y-%m-%d') AS day, link, bounce_subtype FROM {{events}} WHERE campaign_id IN ('${a}', '${b}')`,
    );
    expect(mine).toHaveLength(15);
    for (const r of mine) expect(r.date).toBe(r.day);
    expect(mine.map((r) => r.link).filter(Boolean)).toEqual(["https://shop.example/p"]);
    expect(
      mine
        .map((r) => r.bounce_subtype)
        .filter(Boolean)
        .sort(),
    ).toEqual(["General", "MailboxFull"]);
    await compareWithCounters([a, b]);

    // A second run finds nothing new: the cursor moved past every row it wrote.
    expect((await flushArchive(env, "all", later())).files).toEqual([]);
  });

  it("a crash between the put and the cursor's move writes the same object again, never the events twice", async () => {
    const c = uniqueId("arch-crash");
    await applyEvents(env, mail(c, `crash-${c}@example.com`, MIDNIGHT, [{ type: "open" }]));
    const broken = { ...env, DB: faultyD1(env.DB, (sql) => sql.includes('"after" = "archive_cursor"."plan_to"')) };
    // Drizzle reports the failed query, with D1's error as its cause.
    await expect(flushArchive(broken, "all", later())).rejects.toMatchObject({ cause: new Error("D1_ERROR: injected fault") });
    const afterCrash = await objects();
    // More events arrive meanwhile: the rewritten range is the planned one, they go in the next file.
    await applyEvents(env, mail(c, `crash2-${c}@example.com`, MIDNIGHT + 10));
    const again = await flushArchive(env, "all", later());
    const rewritten = Object.keys(afterCrash).filter((k) => again.files.some((f) => f.key === k));
    expect(rewritten.length).toBeGreaterThan(0);
    const [row] = await duck<{ n: number; ids: number }>(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM {{events}} WHERE campaign_id = '${c}'`,
    );
    expect(row).toEqual({ n: 5, ids: 5 });
    const [dupes] = await duck<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM (SELECT event_id FROM {{events}} GROUP BY event_id HAVING count(*) > 1)",
    );
    expect(dupes!.n).toBe(0);
  });

  it("waits for the settle horizon, and under the cron's policy for a full file or an hour", async () => {
    const c = uniqueId("arch-policy");
    await applyEvents(env, mail(c, `p-${c}@example.com`, MIDNIGHT, [{ type: "open" }]));
    const small = { ...env, ARCHIVE_FILE_EVENTS: "5" };
    // Stored a moment ago: a click's verdict may still change, so nothing is written yet.
    expect((await flushArchive(small, "policy", Date.now())).files).toEqual([]);
    // Settled, but three events are fewer than a file and young.
    expect((await flushArchive(small, "policy", later())).files).toEqual([]);
    await applyEvents(env, mail(c, `q-${c}@example.com`, MIDNIGHT));
    const full = await flushArchive(small, "policy", later());
    expect(full.events).toBe(5);
    await applyEvents(env, mail(c, `r-${c}@example.com`, MIDNIGHT));
    expect((await flushArchive(small, "policy", later())).files).toEqual([]);
    expect((await flushArchive(small, "policy", Date.now() + 2 * 3_600_000)).events).toBe(2);
  });
});

describe("archive API", () => {
  it("lists, pages, downloads and flushes, behind the bearer token", async () => {
    const c = uniqueId("arch-api");
    const old = Date.now() - 10 * 60_000;
    await runBatch(
      database(env.DB),
      insertEventStatements(database(env.DB), mail(c, `api-${c}@example.com`, MIDNIGHT + 7 * DAY), { receivedAt: old }),
    );
    const flushed = (await (await api("/archive/flush", { method: "POST" })).json()) as {
      files: { key: string; events: number; size: number }[];
      events: number;
      more: boolean;
    };
    expect(flushed).toMatchObject({ events: 2, more: false });
    expect(flushed.files).toEqual([
      { key: expect.stringMatching(/^events\/date=2026-06-18\/d1-\d{12}\.parquet$/), events: 2, size: expect.any(Number) },
    ]);

    const all = (await (await api("/archive?prefix=events/date=2026-06-18/")).json()) as { items: unknown[]; cursor: string | null };
    expect(all).toEqual({ items: [{ key: flushed.files[0]!.key, size: flushed.files[0]!.size, events: 2 }], cursor: null });
    const page = (await (await api("/archive?limit=1")).json()) as { items: { key: string }[]; cursor: string };
    expect(page.items).toHaveLength(1);
    const next = (await (await api(`/archive?limit=1&cursor=${page.cursor}`)).json()) as { items: { key: string }[] };
    expect(next.items[0]!.key > page.items[0]!.key).toBe(true);

    const file = await api(`/archive/${flushed.files[0]!.key}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(bytes.byteLength).toBe(flushed.files[0]!.size);
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe("PAR1");

    for (const [path, status] of [
      ["/archive?prefix=secrets/", 400],
      ["/archive?limit=0", 400],
      ["/archive?limit=many", 400],
      ["/archive?cursor=not-ours", 400],
      ["/archive/secrets.txt", 400],
      ["/archive/events/../x.parquet", 400],
      ["/archive/events/date=1999-01-01/d1-000000000000.parquet", 404],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(status);
      expect(await res.json(), path).toMatchObject({ error: status === 404 ? "not_found" : "validation_failed", message: expect.any(String) });
    }
    expect((await api("/archive", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });
});

describe("archive retention", () => {
  it("deletes the dates older than ARCHIVE_RETENTION_DAYS and keeps the rest", async () => {
    const now = Date.UTC(2030, 0, 31, 12);
    const keys = [
      "events/date=2029-12-01/t-000000000001.parquet",
      "events/date=2030-01-01/t-000000000002.parquet",
      "events/date=2030-01-02/t-000000000003.parquet",
    ];
    for (const k of keys) await env.ARCHIVE.put(k, "x");
    const report = await applyArchiveRetention({ ...env, ARCHIVE_RETENTION_DAYS: "30" }, now);
    expect(report).toMatchObject({ retentionDays: 30, keepFrom: "2030-01-01", more: false });
    expect(await env.ARCHIVE.head(keys[0]!)).toBeNull();
    expect(await env.ARCHIVE.head(keys[1]!)).not.toBeNull();
    expect(await env.ARCHIVE.head(keys[2]!)).not.toBeNull();
    // Unset, it is RETENTION_DAYS.
    expect((await applyArchiveRetention({ ...env, RETENTION_DAYS: "10" }, now)).retentionDays).toBe(10);
    for (const k of keys) await env.ARCHIVE.delete(k);
  });
});

describe("archive and erasure", () => {
  it("after erasure no archive object holds the address or anything that links back, and new events still archive", async () => {
    const c = uniqueId("arch-erase");
    const address = `Erin.Erased-${c}@Example.com`;
    const lower = address.toLowerCase();
    const sesId = `ses-${crypto.randomUUID()}`;
    const theirs = mail(c, lower, MIDNIGHT, [
      { type: "open" },
      { type: "click", link: `https://x.example/${encodeURIComponent(lower)}/y?e=${lower}`, linkIndex: 0 },
    ]).map((e) => ({ ...e, sesMessageId: sesId }));
    await applyEvents(env, theirs);
    await flushArchive(env, "all", later());
    const hash = await addressHashFor({ erasureKey: env.ERASURE_KEY }, address);
    const mapping = await env.DB.prepare("SELECT pseudonym, secret FROM archive_pseudonyms WHERE contact_hash = ?")
      .bind(hash)
      .first<{ pseudonym: string; secret: string }>();
    expect(mapping).not.toBeNull();
    const exported = (await (await api(`/contacts/${encodeURIComponent(address)}/export`)).json()) as {
      archive: { pseudonym: string; holds: string };
    };
    expect(exported.archive).toMatchObject({ pseudonym: mapping!.pseudonym, holds: expect.stringContaining("pseudonym") });
    // One more of theirs, not yet archived when they are erased.
    await applyEvents(env, [sampleEvent({ campaignId: c, contactId: lower, email: lower, type: "open", occurredAt: MIDNIGHT + 5000 })]);

    const erased = await api(`/contacts/${encodeURIComponent(address)}`, { method: "DELETE" });
    expect(erased.status).toBe(200);
    expect(((await erased.json()) as { erased: { archivePseudonyms: number } }).erased.archivePseudonyms).toBe(1);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM archive_pseudonyms WHERE contact_hash = ? OR pseudonym = ?")
        .bind(hash, mapping!.pseudonym)
        .first("n"),
    ).toBe(0);

    // Their rows were the newest: the next event reuses their positions, and is archived all the same.
    const next = uniqueId("arch-after");
    await applyEvents(env, mail(next, `next-${next}@example.com`, MIDNIGHT));
    await flushArchive(env, "all", later());
    expect((await duck<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM {{events}} WHERE campaign_id = '${next}'`))[0]!.n).toBe(2);

    // Every object, every column as text: neither the address, its local part, nor the pseudonym's row or the raw ids.
    const everything = await duck<{ line: string }>("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM {{events}}").then((rows) =>
      rows.map((r) => Object.values(r).join(" ").toLowerCase()),
    );
    const local = lower.split("@")[0]!;
    expect(everything.some((line) => line.includes(local))).toBe(false);
    expect(everything.some((line) => line.includes(encodeURIComponent(lower)))).toBe(false);
    const rawIds = theirs.map((e) => e.id);
    const archivedIds = (await duck<{ event_id: string }>(`SELECT event_id FROM {{events}} WHERE campaign_id = '${c}'`)).map((r) => r.event_id);
    expect(archivedIds).toHaveLength(4);
    for (const id of rawIds) expect(archivedIds).not.toContain(id);
    // The one left unarchived at erasure is not archived after it.
    expect((await duck<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM {{events}} WHERE campaign_id = '${c}' AND type = 'open'`))[0]!.n).toBe(1);
    // Their pseudonym is still in the rows, but nothing the deployment keeps maps anyone to it.
    expect(everything.some((line) => line.includes(mapping!.pseudonym.toLowerCase()))).toBe(true);
    // …and D1 keeps neither the pseudonym nor its secret (the tombstone is a keyed hash of the address only).
    expect(await d1Mentions(env.DB, [mapping!.pseudonym, mapping!.secret])).toEqual([]);
  });
});
