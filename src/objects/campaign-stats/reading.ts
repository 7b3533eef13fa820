// Reading a CampaignStats object's counters: the headline counts, the machine breakdown, the timeline, the links.

import { COUNTERS, zeroCounts, type Counter, type Counts } from "../../stats/counting";
import type { HourRow, LinkRow, MachineByReason } from "../../stats/report";

const COUNTER_SET: ReadonlySet<string> = new Set(COUNTERS);

/** The headline counters: one row per counter, whatever the number of events. */
export function readCounts(sql: SqlStorage): Counts {
  const counts = zeroCounts();
  for (const row of sql.exec<{ name: string; n: number }>("SELECT name, n FROM counters")) {
    if (COUNTER_SET.has(row.name)) counts[row.name as Counter] = row.n;
  }
  return counts;
}

/** Machine opens and clicks per reason code (the breakdown of `opensMachine` and `clicksMachine`). */
export function readMachineByReason(sql: SqlStorage): MachineByReason {
  const out: MachineByReason = { opens: {}, clicks: {} };
  for (const row of sql.exec<{ name: string; n: number }>(
    "SELECT name, n FROM counters WHERE name LIKE 'opensMachine:%' OR name LIKE 'clicksMachine:%'",
  )) {
    if (row.n === 0) continue;
    const [counter, reason] = row.name.split(":") as [string, string];
    (counter === "opensMachine" ? out.opens : out.clicks)[reason] = row.n;
  }
  return out;
}

/** The first and last hour that hold anything (null for an empty campaign). */
export function readHourRange(sql: SqlStorage): { first: number; last: number } | null {
  const row = sql.exec<{ first: number | null; last: number | null }>("SELECT min(hour) AS first, max(hour) AS last FROM hours").one();
  return row.first === null || row.last === null ? null : { first: row.first, last: row.last };
}

/** Hourly values in [fromHour, toHour); hours with nothing are absent. O(hours in the range). */
export function readHours(sql: SqlStorage, fromHour: number, toHour: number): HourRow[] {
  return sql
    .exec<{ hour: number; name: string; n: number }>("SELECT hour, name, n FROM hours WHERE hour >= ? AND hour < ? ORDER BY hour", fromHour, toHour)
    .toArray()
    .filter((r): r is HourRow => COUNTER_SET.has(r.name));
}

/** The links by clicks, most clicked first. */
export function readLinks(sql: SqlStorage, limit: number): LinkRow[] {
  return sql
    .exec<{ link_index: number; url: string; total: number; uniq: number; machine: number }>(
      "SELECT link_index, url, total, uniq, machine FROM links ORDER BY total DESC, link_index, url LIMIT ?",
      limit,
    )
    .toArray()
    .map((r) => ({
      linkIndex: r.link_index < 0 ? null : r.link_index,
      url: r.url === "" ? null : r.url,
      total: r.total,
      unique: r.uniq,
      machine: r.machine,
    }));
}
