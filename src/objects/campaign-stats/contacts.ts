// What a CampaignStats object holds about some contacts, read (the right of access) or forgotten (the right to erasure).

import { redactLinks } from "../../stats/link-redaction";

/** What a campaign's counters hold about some contacts: the per-contact sets, never the counts themselves. */
export interface ContactEntries {
  /** Unique counters that count the contact, with the time of the contact's earliest such event. */
  firsts: Array<{ counter: string; contact: string; at: number }>;
  /** Links the contact clicked (their unique clicks). */
  links: Array<{ linkIndex: number | null; url: string | null; contact: string }>;
  /** Their clicks of the last hour, kept to settle bursts and honeypot windows (src/stats/click-window.ts). */
  recentClicks: Array<{ at: number; source: string; linkIndex: number | null; url: string | null; reason: string; contact: string }>;
}

export interface ErasedEntries {
  /** Ids of the person's events among the applied ids (src/privacy/event-ids.ts says which ids are theirs). */
  appliedIds: number;
  firsts: number;
  linkContacts: number;
  recentClicks: number;
  /** Link rows whose URL carried the address, now redacted (merged into a row that already had that URL). */
  linksRedacted: number;
}

export function contactEntries(sql: SqlStorage, contacts: string[]): ContactEntries {
  const list = JSON.stringify(contacts);
  return {
    firsts: sql
      .exec<{ name: string; contact: string; at: number }>(
        "SELECT name, contact, at FROM firsts WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY at",
        list,
      )
      .toArray()
      .map((r) => ({ counter: r.name, contact: r.contact, at: r.at })),
    links: sql
      .exec<{ link_index: number; url: string; contact: string }>(
        "SELECT link_index, url, contact FROM link_contacts WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY link_index, url",
        list,
      )
      .toArray()
      .map((r) => ({ linkIndex: r.link_index < 0 ? null : r.link_index, url: r.url === "" ? null : r.url, contact: r.contact })),
    recentClicks: sql
      .exec<{ at: number; source: string; link_index: number | null; url: string | null; reason: string; contact: string }>(
        "SELECT at, source, link_index, url, reason, contact FROM click_window WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY at",
        list,
      )
      .toArray()
      .map((r) => ({ at: r.at, source: r.source, linkIndex: r.link_index, url: r.url, reason: r.reason, contact: r.contact })),
  };
}

/**
 * Forgets these contacts in one transaction: their entries in the unique sets go, and `key`'s address is redacted
 * from link URLs that carry it (src/stats/link-redaction.ts); the counters stay as they are (they are not personal
 * data, and erasing someone does not rewrite a campaign's history). Erasing again finds nothing.
 */
export function eraseContacts(
  storage: DurableObjectStorage,
  contacts: string[],
  key: string | undefined,
  eventIds: readonly string[],
): ErasedEntries {
  const sql = storage.sql;
  const list = JSON.stringify(contacts);
  return storage.transactionSync(() => ({
    // Applied ids can be recomputed from an address (SES and unsubscribe ids hash it unkeyed): they go too. The
    // erasure tombstone, written before this call, keeps a redelivery of these events from counting again.
    appliedIds: sql.exec("DELETE FROM applied WHERE id IN (SELECT value FROM json_each(?)) RETURNING 1", JSON.stringify(eventIds)).toArray().length,
    firsts: sql.exec("DELETE FROM firsts WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
    linkContacts: sql.exec("DELETE FROM link_contacts WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
    // Their recent clicks (an hour's): the rows name the contact, and nothing will settle them once D1 forgets them.
    recentClicks: sql.exec("DELETE FROM click_window WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
    linksRedacted: key === undefined ? 0 : redactLinks(sql, key),
  }));
}
