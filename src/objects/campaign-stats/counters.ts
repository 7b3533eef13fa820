// A campaign's counters in its CampaignStats storage: events counted once each, and a click's count taken back out.

import type { HumanClick } from "../../db/machine-labels";
import { audienceCounters } from "../../stats/audience-counts";
import { rememberClick, type WindowRow } from "../../stats/click-window";
import { effectOf, hourOf, linkKey, type Counter, type CountedEvent, type Effect } from "../../stats/counting";
import { providerCounterName } from "../../stats/provider-counts";

/** Every table a rebuild empties: the counts, the per-contact sets, the applied ids and the click window. */
const TABLES = ["applied", "counters", "hours", "firsts", "links", "link_contacts", "click_window"] as const;

/**
 * Counts the events whose ids were not applied before, ids and counts in one transaction; clicks whose window may
 * relabel them are remembered, due at `due`. `onHumanClick` hears of each contact with a person's click counted.
 * Answers how many were new and whether a click was remembered.
 */
export function applyEvents(
  storage: DurableObjectStorage,
  events: readonly CountedEvent[],
  now: number,
  due: number,
  onHumanClick: (contact: string) => void,
): { applied: number; remembered: boolean } {
  const sql = storage.sql;
  return storage.transactionSync(() =>
    folded(sql, () => {
      let applied = 0;
      let remembered = false;
      for (const e of events) {
        const fresh = sql.exec("INSERT INTO applied (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", e.id, now).toArray().length > 0;
        if (!fresh) continue;
        applied++;
        const effect = effectOf(e);
        if (effect) for (const name of audienceCounters(e, effect, count(sql, e, effect))) addCounter(sql, name, 1);
        if (e.window && effect) {
          if (e.contactId !== null && !e.machine) onHumanClick(e.contactId);
          rememberClick(sql, e, e.machineReason ?? e.window.verdicts[0], now, due);
          remembered = true;
        }
      }
      return { applied, remembered };
    }),
  );
}

/** Forgets everything counted (a rebuild counts it again from D1). */
export function clearCounts(storage: DurableObjectStorage): void {
  storage.transactionSync(() => {
    for (const table of TABLES) storage.sql.exec(`DELETE FROM ${table}`);
  });
}

/** Answers whether the event put its contact in its unique set (a new person). */
export function count(sql: SqlStorage, e: CountedEvent, effect: Effect): boolean {
  const hour = hourOf(e.occurredAt);
  bump(sql, effect.counter, hour, 1, e.provider);
  if ((effect.counter === "opensMachine" || effect.counter === "clicksMachine") && e.machineReason)
    bumpReason(sql, effect.counter, e.machineReason, 1);
  const newPerson = effect.unique !== undefined && e.contactId !== null && countFirst(sql, effect.unique, e.contactId, e.occurredAt, e.provider);
  const link = effect.perLink ? linkKey(e) : null;
  if (link) countLink(sql, link, e, effect);
  return newPerson;
}

/**
 * Takes a counted click back out. A person's click leaves the unique counts only if the contact has no other click
 * counted as a person's (D1, read after the relabels were stored there), and the contact's first click moves on.
 */
export function uncountClick(sql: SqlStorage, e: CountedEvent, row: WindowRow, humanClicks: readonly HumanClick[]): void {
  const hour = hourOf(e.occurredAt);
  bump(sql, e.machine ? "clicksMachine" : "clicks", hour, -1, e.provider);
  if (e.machine && e.machineReason) bumpReason(sql, "clicksMachine", e.machineReason, -1);
  const link = linkKey(e);
  if (link) {
    sql.exec(
      "UPDATE links SET total = total - ?, machine = machine - ? WHERE link_index = ? AND url = ?",
      e.machine ? 0 : 1,
      e.machine ? 1 : 0,
      link.linkIndex,
      link.url,
    );
  }
  if (e.machine || row.contact === null) return;
  const others = humanClicks.filter((c) => c.id !== row.id);
  forgetFirst(
    sql,
    "clicksUnique",
    row.contact,
    others.map((c) => c.occurredAt),
    e.provider,
  );
  if (link && !others.some((c) => (c.linkIndex ?? -1) === link.linkIndex && (c.url ?? "") === link.url)) {
    const gone = sql
      .exec("DELETE FROM link_contacts WHERE link_index = ? AND url = ? AND contact = ? RETURNING contact", link.linkIndex, link.url, row.contact)
      .toArray().length;
    if (gone) sql.exec("UPDATE links SET uniq = uniq - 1 WHERE link_index = ? AND url = ?", link.linkIndex, link.url);
  }
}

/** A unique counter without one of a contact's events: gone if `remaining` is empty, else moved to its earliest. */
function forgetFirst(sql: SqlStorage, name: Counter, contact: string, remaining: readonly number[], provider?: string | null): void {
  const prev = sql.exec<{ at: number }>("SELECT at FROM firsts WHERE name = ? AND contact = ?", name, contact).toArray()[0];
  if (!prev) return;
  if (remaining.length === 0) {
    sql.exec("DELETE FROM firsts WHERE name = ? AND contact = ?", name, contact);
    bump(sql, name, hourOf(prev.at), -1, provider);
    return;
  }
  const first = Math.min(...remaining);
  if (first === prev.at) return;
  sql.exec("UPDATE firsts SET at = ? WHERE name = ? AND contact = ?", first, name, contact);
  if (hourOf(first) === hourOf(prev.at)) return;
  bumpHour(sql, name, hourOf(prev.at), -1);
  bumpHour(sql, name, hourOf(first), 1);
}

/** A machine open or click per reason: a counters row only (the timeline has no per-reason series). */
function bumpReason(sql: SqlStorage, counter: "opensMachine" | "clicksMachine", reason: string, delta: number): void {
  addCounter(sql, `${counter}:${reason}`, delta);
}

/** A counter, its hour, and (the event's provider given) its per-provider row: all in the caller's transaction. */
function bump(sql: SqlStorage, name: Counter, hour: number, delta: number, provider?: string | null): void {
  addCounter(sql, name, delta);
  const perProvider = providerCounterName(provider, name);
  if (perProvider) addCounter(sql, perProvider, delta);
  bumpHour(sql, name, hour, delta);
}

/**
 * The counter and hour deltas of one transaction, summed per row and written once each when it ends (`folded`): a
 * batch of 2,000 events of one campaign writes each counter and hour row once, not once per event.
 */
interface Fold {
  counters: Map<string, number>;
  hours: Map<string, { hour: number; name: Counter; n: number }>;
}
const folds = new WeakMap<SqlStorage, Fold>();

/** Runs `work` with its counter and hour writes folded, and writes them before returning (in the caller's transaction). */
export function folded<T>(sql: SqlStorage, work: () => T): T {
  if (folds.has(sql)) return work();
  const fold: Fold = { counters: new Map(), hours: new Map() };
  folds.set(sql, fold);
  try {
    const result = work();
    writeFold(sql, fold);
    return result;
  } finally {
    folds.delete(sql);
  }
}

function addCounter(sql: SqlStorage, name: string, delta: number): void {
  const fold = folds.get(sql);
  if (fold) fold.counters.set(name, (fold.counters.get(name) ?? 0) + delta);
  else writeCounter(sql, name, delta);
}

function bumpHour(sql: SqlStorage, name: Counter, hour: number, delta: number): void {
  const fold = folds.get(sql);
  if (!fold) {
    writeHour(sql, name, hour, delta);
    return;
  }
  const key = `${hour}:${name}`;
  const row = fold.hours.get(key);
  if (row) row.n += delta;
  else fold.hours.set(key, { hour, name, n: delta });
}

/** A row whose deltas cancel is not written at all: what it holds stays what it was. */
function writeFold(sql: SqlStorage, fold: Fold): void {
  for (const [name, n] of fold.counters) if (n !== 0) writeCounter(sql, name, n);
  for (const { hour, name, n } of fold.hours.values()) if (n !== 0) writeHour(sql, name, hour, n);
}

function writeCounter(sql: SqlStorage, name: string, delta: number): void {
  sql.exec("INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n", name, delta);
}

function writeHour(sql: SqlStorage, name: Counter, hour: number, delta: number): void {
  sql.exec("INSERT INTO hours (hour, name, n) VALUES (?, ?, ?) ON CONFLICT (hour, name) DO UPDATE SET n = n + excluded.n", hour, name, delta);
  // A unique count that moved to an earlier hour leaves nothing behind: the timeline's range stays tight.
  if (delta < 0) sql.exec("DELETE FROM hours WHERE hour = ? AND name = ? AND n = 0", hour, name);
}

/**
 * A unique counter counts a contact once, in the hour of the contact's earliest event. An earlier
 * event arriving late moves that one from the later hour to its own, so the timeline does not depend
 * on arrival order (and a rebuild, which reads in time order, gives the same buckets).
 */
function countFirst(sql: SqlStorage, name: Counter, contact: string, at: number, provider?: string | null): boolean {
  const prev = sql.exec<{ at: number }>("SELECT at FROM firsts WHERE name = ? AND contact = ?", name, contact).toArray()[0];
  if (!prev) {
    sql.exec("INSERT INTO firsts (name, contact, at) VALUES (?, ?, ?)", name, contact, at);
    bump(sql, name, hourOf(at), 1, provider);
    return true;
  }
  if (at >= prev.at) return false;
  sql.exec("UPDATE firsts SET at = ? WHERE name = ? AND contact = ?", at, name, contact);
  const from = hourOf(prev.at);
  const to = hourOf(at);
  if (from === to) return false;
  bumpHour(sql, name, from, -1);
  bumpHour(sql, name, to, 1);
  return false;
}

function countLink(sql: SqlStorage, link: { linkIndex: number; url: string }, e: CountedEvent, effect: Effect): void {
  const machine = effect.counter === "clicksMachine" ? 1 : 0;
  const human = 1 - machine;
  let unique = 0;
  if (human && e.contactId !== null) {
    unique = sql
      .exec(
        "INSERT INTO link_contacts (link_index, url, contact) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING contact",
        link.linkIndex,
        link.url,
        e.contactId,
      )
      .toArray().length;
  }
  sql.exec(
    `INSERT INTO links (link_index, url, total, uniq, machine) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (link_index, url) DO UPDATE SET total = total + excluded.total, uniq = uniq + excluded.uniq, machine = machine + excluded.machine`,
    link.linkIndex,
    link.url,
    human,
    unique,
    machine,
  );
}
