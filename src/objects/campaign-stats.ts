// The CampaignStats Durable Object: one per campaign, exactly-once counters in its own SQLite storage.

import { DurableObject } from "cloudflare:workers";
import { campaignEventsPage, type PageCursor } from "../stats/stored-events";
import { database } from "../db/client";
import { humanClicksOf, storeLabels, type HumanClick } from "../db/machine-labels";
import { REASONS, type ReasonCode } from "../machine/classify";
import {
  dueRows,
  flipsVerdict,
  nextDue,
  countedReason,
  postpone,
  pruneWindow,
  relabels,
  rememberClick,
  settled,
  type Relabel,
  type WindowRow,
} from "../stats/click-window";
import { PauseStore, type CampaignGuardState, type GuardNotice, type GuardSettings } from "../guard/pause-store";
import { minus, type Tally } from "../domain/guard-rules";
import { COUNTERS, effectOf, hourOf, linkKey, zeroCounts, type Counter, type CountedEvent, type Counts, type Effect } from "../stats/counting";
import type { HourRow, LinkRow, MachineByReason } from "../stats/report";
import { config } from "../config/config";
import { log } from "../lib/log";
import { migrateStats } from "../stats/identity-migration";
import { migrateObject } from "../db/object-migrations";
import migrations from "../stats/migrations/migrations.js";
import { redactLinks } from "../stats/link-redaction";

/**
 * How long an applied event id is remembered. Queues redeliver within their retention (at most 14 days)
 * and SNS retries for hours, so 30 days covers every redelivery the platform makes; a replay older than
 * that (a manual one) would count again, and `POST /api/campaigns/<id>/rebuild` puts the numbers right.
 */
export const APPLIED_ID_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 24 * 3_600_000;
const REBUILD_PAGE = 1000;

const TABLES = ["applied", "counters", "hours", "firsts", "links", "link_contacts", "click_window"] as const;

/** After a failed settling (D1 unreachable), the next try; a contended one is tried again sooner. */
const SETTLE_RETRY_MS = 30_000;
const CONTENDED_RETRY_MS = 1_000;
const COUNTER_SET: ReadonlySet<string> = new Set(COUNTERS);

export interface RecordResult {
  applied: number;
  duplicates: number;
  /** The guard's pause not yet announced (its webhook event): present until acknowledged. */
  notices?: GuardNotice[];
}

function tallyOf(c: Counts): Tally {
  return { sent: c.sent, bouncesHard: c.bouncesHard, complaints: c.complaints };
}

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

export interface RebuildResult {
  events: number;
  firstAt: number | null;
  lastAt: number | null;
}

export class CampaignStats extends DurableObject<Env> {
  private sql: SqlStorage;
  private alarmChecked = false;
  private campaignId: string | null = null;
  /** Contacts with a person's click counted since the click window last read D1 (see settleClicks). */
  private newHumanClicks = new Set<string>();
  /** The campaign's reputation guard: decided here, beside the counters it reads, in the same transaction. */
  private guard!: PauseStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Migrations (src/stats/migrations/) before anything is served; the identity key's data migration
    // (src/stats/identity-migration.ts) runs on the baseline's tables, before any later migration can change them.
    void ctx.blockConcurrencyWhile(async () => {
      await migrateObject(ctx.storage, migrations, [{ after: 1, run: migrateStats }]);
      this.guard = new PauseStore(this.sql, "campaign");
    });
  }

  /**
   * Count the events not applied before; ids and counters commit together, so a replay changes nothing. Clicks
   * whose window may relabel them are remembered and settled by the alarm (`campaignId` lets it write to D1). The
   * reputation guard is judged on the new counts before anything is awaited, so a pause commits with the counts
   * that caused it; a pause not yet announced comes back with every call until acknowledged.
   */
  async record(events: CountedEvent[], campaignId?: string): Promise<RecordResult> {
    if (campaignId !== undefined) {
      this.rememberCampaign(campaignId);
      this.guard.rememberScope(campaignId);
    }
    const { applied, due } = this.applyNow(events, Date.now());
    if (applied > 0) this.judgeGuard();
    const notice = this.guard.pendingNotice();
    if (due !== null) await this.wakeBy(due);
    await this.schedulePruning();
    const result = { applied, duplicates: events.length - applied };
    return notice ? { ...result, notices: [notice] } : result;
  }

  guardState(): CampaignGuardState {
    return { ...this.guard.state(config(this.env).guard), settings: this.guard.settings() };
  }

  /** Turn the guard off or on, or give the campaign its own thresholds; judged again with the next events. */
  updateGuard(change: Partial<GuardSettings>): CampaignGuardState {
    this.guard.updateSettings(change);
    return this.guardState();
  }

  /** Lift a pause: only what is counted after now is judged for the next one. */
  resume(): { resumed: boolean; guard: CampaignGuardState } {
    const resumed = this.guard.resume(Date.now(), tallyOf(this.counts()));
    return { resumed, guard: this.guardState() };
  }

  /** The pause's webhook event is on the queue: stop handing it out. */
  acknowledgeNotice(id: string): void {
    this.guard.acknowledge(id);
  }

  private judgeGuard(): void {
    this.guard.judge(minus(tallyOf(this.counts()), this.guard.baseline()), config(this.env).guard, Date.now(), this.guard.since());
  }

  /** The headline counters: one row per counter, whatever the number of events. */
  counts(): Counts {
    const counts = zeroCounts();
    for (const row of this.sql.exec<{ name: string; n: number }>("SELECT name, n FROM counters")) {
      if (COUNTER_SET.has(row.name)) counts[row.name as Counter] = row.n;
    }
    return counts;
  }

  /** The counters, the machine breakdown and the guard in one call: what the stats answer needs. */
  summary(): { counts: Counts; machineByReason: MachineByReason; guard: CampaignGuardState } {
    return { counts: this.counts(), machineByReason: this.machineByReason(), guard: this.guardState() };
  }

  /** Machine opens and clicks per reason code (the breakdown of `opensMachine` and `clicksMachine`). */
  machineByReason(): MachineByReason {
    const out: MachineByReason = { opens: {}, clicks: {} };
    for (const row of this.sql.exec<{ name: string; n: number }>(
      "SELECT name, n FROM counters WHERE name LIKE 'opensMachine:%' OR name LIKE 'clicksMachine:%'",
    )) {
      if (row.n === 0) continue;
      const [counter, reason] = row.name.split(":") as [string, string];
      (counter === "opensMachine" ? out.opens : out.clicks)[reason] = row.n;
    }
    return out;
  }

  /** The first and last hour that hold anything (null for an empty campaign). */
  hourRange(): { first: number; last: number } | null {
    const row = this.sql.exec<{ first: number | null; last: number | null }>("SELECT min(hour) AS first, max(hour) AS last FROM hours").one();
    return row.first === null || row.last === null ? null : { first: row.first, last: row.last };
  }

  /** Hourly values in [fromHour, toHour); hours with nothing are absent. O(hours in the range). */
  hours(fromHour: number, toHour: number): HourRow[] {
    return this.sql
      .exec<{ hour: number; name: string; n: number }>("SELECT hour, name, n FROM hours WHERE hour >= ? AND hour < ? ORDER BY hour", fromHour, toHour)
      .toArray()
      .filter((r): r is HourRow => COUNTER_SET.has(r.name));
  }

  links(limit = 1000): LinkRow[] {
    return this.sql
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

  /** The per-contact entries of these contacts (the right of access). */
  contactEntries(contacts: string[]): ContactEntries {
    const list = JSON.stringify(contacts);
    return {
      firsts: this.sql
        .exec<{ name: string; contact: string; at: number }>(
          "SELECT name, contact, at FROM firsts WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY at",
          list,
        )
        .toArray()
        .map((r) => ({ counter: r.name, contact: r.contact, at: r.at })),
      links: this.sql
        .exec<{ link_index: number; url: string; contact: string }>(
          "SELECT link_index, url, contact FROM link_contacts WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY link_index, url",
          list,
        )
        .toArray()
        .map((r) => ({ linkIndex: r.link_index < 0 ? null : r.link_index, url: r.url === "" ? null : r.url, contact: r.contact })),
      recentClicks: this.sql
        .exec<{ at: number; source: string; link_index: number | null; url: string | null; reason: string; contact: string }>(
          "SELECT at, source, link_index, url, reason, contact FROM click_window WHERE contact IN (SELECT value FROM json_each(?)) ORDER BY at",
          list,
        )
        .toArray()
        .map((r) => ({ at: r.at, source: r.source, linkIndex: r.link_index, url: r.url, reason: r.reason, contact: r.contact })),
    };
  }

  /**
   * Forget these contacts (the right to erasure): their entries in the unique sets go, and `key`'s address is
   * redacted from link URLs that carry it (src/stats/link-redaction.ts); the counters stay as they are (they are
   * not personal data, and erasing someone does not rewrite a campaign's history). Erasing again finds nothing.
   */
  eraseContacts(contacts: string[], key?: string, eventIds: readonly string[] = []): ErasedEntries {
    const list = JSON.stringify(contacts);
    return this.ctx.storage.transactionSync(() => ({
      // Applied ids can be recomputed from an address (SES and unsubscribe ids hash it unkeyed): they go too. The
      // erasure tombstone, written before this call, keeps a redelivery of these events from counting again.
      appliedIds: this.sql.exec("DELETE FROM applied WHERE id IN (SELECT value FROM json_each(?)) RETURNING 1", JSON.stringify(eventIds)).toArray()
        .length,
      firsts: this.sql.exec("DELETE FROM firsts WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
      linkContacts: this.sql.exec("DELETE FROM link_contacts WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
      // Their recent clicks (an hour's): the rows name the contact, and nothing will settle them once D1 forgets them.
      recentClicks: this.sql.exec("DELETE FROM click_window WHERE contact IN (SELECT value FROM json_each(?)) RETURNING 1", list).toArray().length,
      linksRedacted: key === undefined ? 0 : redactLinks(this.sql, key),
    }));
  }

  /**
   * Recount from D1: forget everything, then apply the campaign's stored events page by page.
   * Live batches may arrive while the pages are read; the consumer stores in D1 before it counts,
   * so every event is either in a page read after the reset or counted live after it, and the
   * applied ids make an event that is both count once.
   */
  async rebuild(campaignId: string): Promise<RebuildResult> {
    this.rememberCampaign(campaignId);
    // The click window goes too: D1 holds every verdict as last settled, and that is what is counted again.
    this.ctx.storage.transactionSync(() => {
      for (const table of TABLES) this.sql.exec(`DELETE FROM ${table}`);
    });
    const result: RebuildResult = { events: 0, firstAt: null, lastAt: null };
    let after: PageCursor | null = null;
    const db = database(this.env.DB);
    do {
      const page = await campaignEventsPage(db, campaignId, after, REBUILD_PAGE);
      this.applyNow(page.events, Date.now());
      for (const e of page.events) {
        result.firstAt = Math.min(result.firstAt ?? e.occurredAt, e.occurredAt);
        result.lastAt = Math.max(result.lastAt ?? e.occurredAt, e.occurredAt);
      }
      result.events += page.events.length;
      after = page.next;
    } while (after !== null);
    this.judgeGuard();
    await this.schedulePruning();
    return result;
  }

  /**
   * Settle the clicks whose stall is over, forget applied ids past their retention and clicks past KEEP_MS, then
   * wake again for whichever comes first.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let retryAt: number | null = null;
    try {
      retryAt = await this.settleClicks(now);
    } catch (err) {
      log.error("click window not settled; will retry", { error: String(err) });
      retryAt = now + SETTLE_RETRY_MS;
    }
    this.sql.exec("DELETE FROM applied WHERE at < ?", now - APPLIED_ID_RETENTION_MS);
    const left = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM applied").one().n;
    const due = nextDue(this.sql);
    const next = earliest([due === null ? null : Math.max(due, retryAt ?? now), pruneWindow(this.sql, now), left > 0 ? now + PRUNE_EVERY_MS : null]);
    this.alarmChecked = left > 0;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private async schedulePruning(): Promise<void> {
    if (this.alarmChecked) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
    this.alarmChecked = true;
  }

  /** The alarm fires by `at` at the latest (an earlier one stays). */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private rememberCampaign(campaignId: string): void {
    if (this.campaignId === campaignId) return;
    this.sql.exec("INSERT INTO about (key, value) VALUES ('campaignId', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", campaignId);
    this.campaignId = campaignId;
  }

  private storedCampaignId(): string | null {
    this.campaignId ??= this.sql.exec<{ value: string }>("SELECT value FROM about WHERE key = 'campaignId'").toArray()[0]?.value ?? null;
    return this.campaignId;
  }

  /** Counts the new events; answers how many were new and when the first remembered click is due (or null). */
  private applyNow(events: readonly CountedEvent[], now: number): { applied: number; due: number | null } {
    const due = now + config(this.env).machine.settleMs;
    return this.ctx.storage.transactionSync(() => {
      let applied = 0;
      let remembered = false;
      for (const e of events) {
        const fresh = this.sql.exec("INSERT INTO applied (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", e.id, now).toArray().length > 0;
        if (!fresh) continue;
        applied++;
        const effect = effectOf(e);
        if (effect) this.count(e, effect);
        if (e.window && effect) {
          if (e.contactId !== null && !e.machine) this.newHumanClicks.add(e.contactId);
          rememberClick(this.sql, e, e.machineReason ?? e.window.verdicts[0], now, due);
          remembered = true;
        }
      }
      return { applied, due: remembered ? due : null };
    });
  }

  /**
   * Relabels the due clicks whose window changed their verdict: D1 first (idempotent), then the counters and the
   * remembered verdict in one transaction, so a crash between the two is mended by the next alarm. Answers when to
   * come back for clicks put off (null if none).
   */
  private async settleClicks(now: number): Promise<number | null> {
    this.newHumanClicks.clear();
    const rows = dueRows(this.sql, now);
    if (rows.length === 0) return null;
    const changes = relabels(this.sql, rows);
    const campaignId = changes.length > 0 ? this.storedCampaignId() : null;
    if (changes.length > 0 && campaignId === null) throw new Error("campaign id unknown: clicks cannot be relabelled in D1");
    const db = database(this.env.DB);
    await storeLabels(
      db,
      changes.map((c) => ({ id: c.row.id, machine: REASONS[c.to].machine, reason: c.to })),
    );
    const flipped = [...new Set(changes.filter(flipsVerdict).flatMap((c) => (c.row.contact === null ? [] : [c.row.contact])))];
    const humanClicks = campaignId !== null && flipped.length > 0 ? await humanClicksOf(db, campaignId, flipped) : new Map<string, HumanClick[]>();
    let retryAt: number | null = null;
    this.ctx.storage.transactionSync(() => {
      const changed = new Map(changes.map((c) => [c.row.id, c]));
      for (const row of rows) {
        // A rebuild while D1 was written may have cleared the window (and counted D1's verdicts): nothing to move.
        if (countedReason(this.sql, row.id) !== row.reason) continue;
        const change = changed.get(row.id);
        // A person's click of the same contact counted while D1 was read: what D1 said may be stale, look again.
        if (change && flipsVerdict(change) && row.contact !== null && this.newHumanClicks.has(row.contact)) {
          retryAt = now + CONTENDED_RETRY_MS;
          postpone(this.sql, row.id, retryAt);
          continue;
        }
        if (change) this.relabel(change, humanClicks.get(row.contact ?? "") ?? []);
        settled(this.sql, row.id, change?.to ?? row.reason, now);
      }
    });
    return retryAt;
  }

  /** Moves one click from the counts of its old verdict to those of the new one. */
  private relabel({ row, to }: Relabel, humanClicks: readonly HumanClick[]): void {
    const event = (reason: ReasonCode): CountedEvent => ({
      id: row.id,
      type: "click",
      contactId: row.contact,
      occurredAt: row.at,
      link: row.url,
      linkIndex: row.linkIndex,
      bounceType: null,
      source: null,
      machine: REASONS[reason].machine,
      machineReason: reason,
      unsubscribeAll: false,
    });
    this.uncountClick(event(row.reason), row, humanClicks);
    const next = event(to);
    this.count(next, effectOf(next)!);
  }

  /**
   * Takes a counted click back out. A person's click leaves the unique counts only if the contact has no other click
   * counted as a person's (D1, read after the relabels were stored there), and the contact's first click moves on.
   */
  private uncountClick(e: CountedEvent, row: WindowRow, humanClicks: readonly HumanClick[]): void {
    const hour = hourOf(e.occurredAt);
    this.bump(e.machine ? "clicksMachine" : "clicks", hour, -1);
    if (e.machine && e.machineReason) this.bumpReason("clicksMachine", e.machineReason, -1);
    const link = linkKey(e);
    if (link) {
      this.sql.exec(
        "UPDATE links SET total = total - ?, machine = machine - ? WHERE link_index = ? AND url = ?",
        e.machine ? 0 : 1,
        e.machine ? 1 : 0,
        link.linkIndex,
        link.url,
      );
    }
    if (e.machine || row.contact === null) return;
    const others = humanClicks.filter((c) => c.id !== row.id);
    this.forgetFirst(
      "clicksUnique",
      row.contact,
      others.map((c) => c.occurredAt),
    );
    if (link && !others.some((c) => (c.linkIndex ?? -1) === link.linkIndex && (c.url ?? "") === link.url)) {
      const gone = this.sql
        .exec("DELETE FROM link_contacts WHERE link_index = ? AND url = ? AND contact = ? RETURNING contact", link.linkIndex, link.url, row.contact)
        .toArray().length;
      if (gone) this.sql.exec("UPDATE links SET uniq = uniq - 1 WHERE link_index = ? AND url = ?", link.linkIndex, link.url);
    }
  }

  /** A unique counter without one of a contact's events: gone if `remaining` is empty, else moved to its earliest. */
  private forgetFirst(name: Counter, contact: string, remaining: readonly number[]): void {
    const prev = this.sql.exec<{ at: number }>("SELECT at FROM firsts WHERE name = ? AND contact = ?", name, contact).toArray()[0];
    if (!prev) return;
    if (remaining.length === 0) {
      this.sql.exec("DELETE FROM firsts WHERE name = ? AND contact = ?", name, contact);
      this.bump(name, hourOf(prev.at), -1);
      return;
    }
    const first = Math.min(...remaining);
    if (first === prev.at) return;
    this.sql.exec("UPDATE firsts SET at = ? WHERE name = ? AND contact = ?", first, name, contact);
    if (hourOf(first) === hourOf(prev.at)) return;
    this.bumpHour(name, hourOf(prev.at), -1);
    this.bumpHour(name, hourOf(first), 1);
  }

  /** A machine open or click per reason: a counters row only (the timeline has no per-reason series). */
  private bumpReason(counter: "opensMachine" | "clicksMachine", reason: string, delta: number): void {
    this.sql.exec("INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n", `${counter}:${reason}`, delta);
  }

  private count(e: CountedEvent, effect: Effect): void {
    const hour = hourOf(e.occurredAt);
    this.bump(effect.counter, hour, 1);
    if ((effect.counter === "opensMachine" || effect.counter === "clicksMachine") && e.machineReason)
      this.bumpReason(effect.counter, e.machineReason, 1);
    if (effect.unique && e.contactId !== null) this.countFirst(effect.unique, e.contactId, e.occurredAt);
    const link = effect.perLink ? linkKey(e) : null;
    if (link) this.countLink(link, e, effect);
  }

  private bump(name: Counter, hour: number, delta: number): void {
    this.sql.exec("INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n", name, delta);
    this.bumpHour(name, hour, delta);
  }

  private bumpHour(name: Counter, hour: number, delta: number): void {
    this.sql.exec("INSERT INTO hours (hour, name, n) VALUES (?, ?, ?) ON CONFLICT (hour, name) DO UPDATE SET n = n + excluded.n", hour, name, delta);
    // A unique count that moved to an earlier hour leaves nothing behind: the timeline's range stays tight.
    if (delta < 0) this.sql.exec("DELETE FROM hours WHERE hour = ? AND name = ? AND n = 0", hour, name);
  }

  /**
   * A unique counter counts a contact once, in the hour of the contact's earliest event. An earlier
   * event arriving late moves that one from the later hour to its own, so the timeline does not depend
   * on arrival order (and a rebuild, which reads in time order, gives the same buckets).
   */
  private countFirst(name: Counter, contact: string, at: number): void {
    const prev = this.sql.exec<{ at: number }>("SELECT at FROM firsts WHERE name = ? AND contact = ?", name, contact).toArray()[0];
    if (!prev) {
      this.sql.exec("INSERT INTO firsts (name, contact, at) VALUES (?, ?, ?)", name, contact, at);
      this.bump(name, hourOf(at), 1);
      return;
    }
    if (at >= prev.at) return;
    this.sql.exec("UPDATE firsts SET at = ? WHERE name = ? AND contact = ?", at, name, contact);
    const from = hourOf(prev.at);
    const to = hourOf(at);
    if (from === to) return;
    this.bumpHour(name, from, -1);
    this.bumpHour(name, to, 1);
  }

  private countLink(link: { linkIndex: number; url: string }, e: CountedEvent, effect: Effect): void {
    const machine = effect.counter === "clicksMachine" ? 1 : 0;
    const human = 1 - machine;
    let unique = 0;
    if (human && e.contactId !== null) {
      unique = this.sql
        .exec(
          "INSERT INTO link_contacts (link_index, url, contact) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING contact",
          link.linkIndex,
          link.url,
          e.contactId,
        )
        .toArray().length;
    }
    this.sql.exec(
      `INSERT INTO links (link_index, url, total, uniq, machine) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (link_index, url) DO UPDATE SET total = total + excluded.total, uniq = uniq + excluded.uniq, machine = machine + excluded.machine`,
      link.linkIndex,
      link.url,
      human,
      unique,
      machine,
    );
  }
}

function earliest(times: ReadonlyArray<number | null>): number | null {
  const set = times.filter((t): t is number => t !== null);
  return set.length === 0 ? null : Math.min(...set);
}
