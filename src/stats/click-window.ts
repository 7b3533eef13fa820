// The clicks of the last hour, kept by a campaign's CampaignStats object to settle bursts and the honeypot window.
//
// A click is counted when it arrives, with the verdict it has alone. Its window (distinct links of the message from
// its source within ±10 s, and honeypot hits there) is only known once the clicks around it have arrived, so each
// click, and every click within ±10 s of it from the same source, is due for another look a short stall later
// (settleSeconds). Then the verdict for the window it has is picked from the four computed when it was classified
// (src/machine/window.ts); the object relabels it, in D1 and in its counters, when that verdict differs.
//
// Kept per click: the message (contact and message id), the /24 or /48 source, the link, the four verdict reasons,
// and what the counters need to move it. Nothing of the address or the agent. Rows go an hour after they arrived.
import { REASONS, type ReasonCode } from "../machine/classify";
import { verdictInWindow, type ClickWindow, type WindowVerdicts } from "../machine/window";
import type { CountedEvent } from "./counting";

/** The window the classifier speaks of: ±10 s. */
export const WINDOW_MS = 10_000;
/** How long a click is remembered after it arrived: later clicks within ±10 s of it can still relabel it. */
export const KEEP_MS = 3_600_000;
/** Rows settled per alarm; the rest are settled by the next, straight after. */
export const SETTLE_BATCH = 200;

/** One remembered click. `reason` is the verdict it is counted with now. */
export interface WindowRow {
  id: string;
  message: string;
  source: string;
  link: string;
  at: number;
  contact: string | null;
  linkIndex: number | null;
  url: string | null;
  verdicts: WindowVerdicts;
  reason: ReasonCode;
}

/** A row as SQLite answers it: snake_case link index, the four verdicts as one space-separated text. */
type SqlRow = Omit<WindowRow, "linkIndex" | "verdicts" | "reason"> & { link_index: number | null; verdicts: string; reason: string };

const COLUMNS = "id, message, source, link, at, contact, link_index, url, verdicts, reason";

function fromSql(r: SqlRow): WindowRow {
  return {
    id: r.id,
    message: r.message,
    source: r.source,
    link: r.link,
    at: r.at,
    contact: r.contact,
    linkIndex: r.link_index,
    url: r.url,
    verdicts: r.verdicts.split(" ") as unknown as WindowVerdicts,
    reason: r.reason as ReasonCode,
  };
}

/**
 * Remembers a click just counted with `reason`, and makes it and the clicks within ±10 s of it from the same source
 * due at `due` (unless already due sooner).
 */
export function rememberClick(sql: SqlStorage, e: CountedEvent, reason: string, now: number, due: number): void {
  const w = e.window;
  if (!w) return;
  sql.exec(
    `INSERT INTO click_window (${COLUMNS}, due, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    e.id,
    w.message,
    w.source,
    w.link,
    e.occurredAt,
    e.contactId,
    e.linkIndex,
    e.link,
    w.verdicts.join(" "),
    reason,
    due,
    now,
  );
  sql.exec(
    "UPDATE click_window SET due = ? WHERE message = ? AND source = ? AND at BETWEEN ? AND ? AND (due IS NULL OR due > ?)",
    due,
    w.message,
    w.source,
    e.occurredAt - WINDOW_MS,
    e.occurredAt + WINDOW_MS,
    due,
  );
}

/** The window around a remembered click, from the clicks remembered with it. */
export function windowAround(sql: SqlStorage, row: WindowRow): ClickWindow {
  const r = sql
    .exec<{ links: number; honeypot: number | null }>(
      `SELECT count(DISTINCT link) AS links, max(link = 'honeypot') AS honeypot FROM click_window
       WHERE message = ? AND source = ? AND at BETWEEN ? AND ?`,
      row.message,
      row.source,
      row.at - WINDOW_MS,
      row.at + WINDOW_MS,
    )
    .one();
  return { links: r.links, honeypot: r.honeypot === 1 };
}

/** The clicks due for another look at `now`, earliest first. */
export function dueRows(sql: SqlStorage, now: number, limit = SETTLE_BATCH): WindowRow[] {
  return sql.exec<SqlRow>(`SELECT ${COLUMNS} FROM click_window WHERE due <= ? ORDER BY due LIMIT ?`, now, limit).toArray().map(fromSql);
}

export interface Relabel {
  row: WindowRow;
  to: ReasonCode;
}

/** The due clicks whose verdict for the window they have now differs from the one they are counted with. */
export function relabels(sql: SqlStorage, rows: readonly WindowRow[]): Relabel[] {
  return rows.flatMap((row) => {
    const to = verdictInWindow(row.verdicts, windowAround(sql, row));
    return to === row.reason ? [] : [{ row, to }];
  });
}

/** Whether a relabel moves the click between the human and the machine counts (not only between reasons). */
export function flipsVerdict(r: Relabel): boolean {
  return REASONS[r.row.reason].machine !== REASONS[r.to].machine;
}

/** Records the new verdict, and settles the click unless something made it due again meanwhile. */
export function settled(sql: SqlStorage, id: string, reason: string, now: number): void {
  sql.exec("UPDATE click_window SET reason = ?, due = CASE WHEN due <= ? THEN NULL ELSE due END WHERE id = ?", reason, now, id);
}

/** The verdict a remembered click is counted with now, or null once it is forgotten. */
export function countedReason(sql: SqlStorage, id: string): string | null {
  return sql.exec<{ reason: string }>("SELECT reason FROM click_window WHERE id = ?", id).toArray()[0]?.reason ?? null;
}

/** Puts off a click's settling to `at`. */
export function postpone(sql: SqlStorage, id: string, at: number): void {
  sql.exec("UPDATE click_window SET due = ? WHERE id = ?", at, id);
}

/** When the next click is due, or null. */
export function nextDue(sql: SqlStorage): number | null {
  return sql.exec<{ due: number | null }>("SELECT min(due) AS due FROM click_window").one().due;
}

/** Forgets settled clicks that arrived more than KEEP_MS ago; answers when the oldest one left goes, or null. */
export function pruneWindow(sql: SqlStorage, now: number): number | null {
  sql.exec("DELETE FROM click_window WHERE due IS NULL AND seen < ?", now - KEEP_MS);
  const oldest = sql.exec<{ seen: number | null }>("SELECT min(seen) AS seen FROM click_window").one().seen;
  return oldest === null ? null : oldest + KEEP_MS;
}
