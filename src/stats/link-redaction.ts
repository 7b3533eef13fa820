// An erased person's address taken out of a campaign's link URLs (a tracked URL may carry it: `?who=ann@x`), the
// counts kept: the redacted row takes over the old one's numbers, and rows that then name the same URL are merged.
//
// Merging keeps counts exact as the identity migration does (src/stats/identity-migration.ts): `total` and `machine`
// are sums; `uniq` is the union of the two sets of clickers, so a clicker in both counts once (the clickers still
// known; entries already erased cannot be matched and stay counted).

import { names, prefilterNeedle, redact } from "../domain/identity";

type LinkRow = {
  link_index: number;
  url: string;
  total: number;
  uniq: number;
  machine: number;
};

function moveLink(sql: SqlStorage, row: LinkRow, to: string): void {
  const moved = sql
    .exec(
      `INSERT INTO link_contacts (link_index, url, contact) SELECT link_index, ?, contact FROM link_contacts WHERE link_index = ? AND url = ? AND true
       ON CONFLICT DO NOTHING RETURNING contact`,
      to,
      row.link_index,
      row.url,
    )
    .toArray().length;
  const inBoth =
    sql.exec<{ n: number }>("SELECT count(*) AS n FROM link_contacts WHERE link_index = ? AND url = ?", row.link_index, row.url).one().n - moved;
  sql.exec("DELETE FROM link_contacts WHERE link_index = ? AND url = ?", row.link_index, row.url);
  sql.exec("DELETE FROM links WHERE link_index = ? AND url = ?", row.link_index, row.url);
  sql.exec(
    `INSERT INTO links (link_index, url, total, uniq, machine) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (link_index, url) DO UPDATE SET total = total + excluded.total, uniq = uniq + excluded.uniq, machine = machine + excluded.machine`,
    row.link_index,
    to,
    row.total,
    row.uniq - inBoth,
    row.machine,
  );
}

/** Redact the person's address from every link row, clicker entry and remembered click; answers the link rows changed. */
export function redactLinks(sql: SqlStorage, key: string): number {
  const needle = prefilterNeedle(key);
  const rows = sql
    .exec<LinkRow>("SELECT link_index, url, total, uniq, machine FROM links WHERE instr(lower(url), ?) > 0 OR instr(url, '%') > 0", needle)
    .toArray()
    .filter((r) => names(r.url, key));
  for (const row of rows) moveLink(sql, row, redact(row.url, key)!);
  // Rows of clickers whose link row was already gone, and the last hour's remembered clicks.
  const stray = sql
    .exec<{ link_index: number; url: string }>(
      "SELECT DISTINCT link_index, url FROM link_contacts WHERE instr(lower(url), ?) > 0 OR instr(url, '%') > 0",
      needle,
    )
    .toArray()
    .filter((r) => names(r.url, key));
  for (const r of stray) {
    sql.exec("UPDATE OR IGNORE link_contacts SET url = ? WHERE link_index = ? AND url = ?", redact(r.url, key), r.link_index, r.url);
    sql.exec("DELETE FROM link_contacts WHERE link_index = ? AND url = ?", r.link_index, r.url);
  }
  const clicks = sql
    .exec<{ id: string; url: string | null; link: string }>(
      "SELECT id, url, link FROM click_window WHERE instr(lower(coalesce(url, '') || link), ?) > 0 OR instr(coalesce(url, '') || link, '%') > 0",
      needle,
    )
    .toArray();
  for (const c of clicks) {
    const url = c.url === null ? null : (redact(c.url, key) ?? c.url);
    const link = redact(c.link, key) ?? c.link;
    if (url !== c.url || link !== c.link) sql.exec("UPDATE click_window SET url = ?, link = ? WHERE id = ?", url, link, c.id);
  }
  return rows.length;
}
