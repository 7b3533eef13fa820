// The CampaignStats object's own schema migration to the identity key (src/domain/identity.ts): versioned in its
// `about` table, run once per object, in one transaction, before it serves anything.
//
// Before, a contact was keyed with the local part's case kept, so `Ann@x` and `ann@x` were two entries of every
// unique set. Merging them keeps the counters exact by one rule: a count of events is a sum (each event was counted
// once, under whichever spelling, so totals, machine counts and hourly sums of events do not move), and a unique
// count counts a person once: the spellings' entries of a unique set are unioned, the merged entry keeps the
// earliest time, and the counter (and its hour buckets) lose one for each entry that merged into another. A link's
// `uniq` loses one for each clicker who was in its set under two spellings. What the sets no longer hold (entries
// erased before) cannot be merged and stays counted as it was.

import { hourOf } from "./counting";

/** The version this code keeps; 1 is every object made before versions were kept. */
export const STATS_SCHEMA_VERSION = 2;

function version(sql: SqlStorage): number {
  const row = sql.exec<{ value: string }>("SELECT value FROM about WHERE key = 'schemaVersion'").toArray()[0];
  return row ? Number(row.value) : 1;
}

function bump(sql: SqlStorage, name: string, hour: number, delta: number): void {
  sql.exec("UPDATE counters SET n = n + ? WHERE name = ?", delta, name);
  sql.exec("UPDATE hours SET n = n + ? WHERE hour = ? AND name = ?", delta, hour, name);
  sql.exec("DELETE FROM hours WHERE hour = ? AND name = ? AND n = 0", hour, name);
}

/** Unique sets: each person's spellings become one entry at the earliest time; the counter counts them once. */
function mergeFirsts(sql: SqlStorage): number {
  const groups = sql
    .exec<{ name: string; key: string }>(
      "SELECT name, lower(contact) AS key FROM firsts GROUP BY name, lower(contact) HAVING count(*) > 1 OR max(contact <> lower(contact))",
    )
    .toArray();
  let merged = 0;
  for (const { name, key } of groups) {
    const rows = sql
      .exec<{ contact: string; at: number }>("SELECT contact, at FROM firsts WHERE name = ? AND lower(contact) = ?", name, key)
      .toArray();
    const first = Math.min(...rows.map((r) => r.at));
    for (const r of rows) bump(sql, name, hourOf(r.at), -1);
    sql.exec("DELETE FROM firsts WHERE name = ? AND lower(contact) = ?", name, key);
    sql.exec("INSERT INTO firsts (name, contact, at) VALUES (?, ?, ?)", name, key, first);
    sql.exec("UPDATE counters SET n = n + 1 WHERE name = ?", name);
    sql.exec("INSERT INTO hours (hour, name, n) VALUES (?, ?, 1) ON CONFLICT (hour, name) DO UPDATE SET n = n + 1", hourOf(first), name);
    merged += rows.length - 1;
  }
  return merged;
}

/** A link's clickers: each person once; its `uniq` loses one per entry that merged into another. */
function mergeLinkContacts(sql: SqlStorage): number {
  const groups = sql
    .exec<{ link_index: number; url: string; key: string; n: number }>(
      `SELECT link_index, url, lower(contact) AS key, count(*) AS n FROM link_contacts GROUP BY link_index, url, lower(contact)
       HAVING count(*) > 1 OR max(contact <> lower(contact))`,
    )
    .toArray();
  let merged = 0;
  for (const g of groups) {
    sql.exec("DELETE FROM link_contacts WHERE link_index = ? AND url = ? AND lower(contact) = ?", g.link_index, g.url, g.key);
    sql.exec("INSERT INTO link_contacts (link_index, url, contact) VALUES (?, ?, ?)", g.link_index, g.url, g.key);
    if (g.n > 1) sql.exec("UPDATE links SET uniq = uniq - ? WHERE link_index = ? AND url = ?", g.n - 1, g.link_index, g.url);
    merged += g.n - 1;
  }
  return merged;
}

/** Remembered clicks: the contact and the message key it starts (`<contact>\n<message id>`) take the identity key. */
function rekeyClickWindow(sql: SqlStorage): void {
  sql.exec("UPDATE click_window SET contact = lower(contact) WHERE contact <> lower(contact)");
  sql.exec(
    `UPDATE click_window SET message = lower(substr(message, 1, instr(message, char(10)) - 1)) || substr(message, instr(message, char(10)))
     WHERE instr(message, char(10)) > 1 AND substr(message, 1, instr(message, char(10)) - 1) <> lower(substr(message, 1, instr(message, char(10)) - 1))`,
  );
}

/** Bring the object's tables to the current version; answers how many unique-set entries merged (0 if none ran). */
export function migrateStats(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  if (version(sql) >= STATS_SCHEMA_VERSION) return 0;
  return storage.transactionSync(() => {
    const merged = mergeFirsts(sql) + mergeLinkContacts(sql);
    rekeyClickWindow(sql);
    sql.exec(
      "INSERT INTO about (key, value) VALUES ('schemaVersion', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(STATS_SCHEMA_VERSION),
    );
    return merged;
  });
}
