// The CampaignStats Durable Object: one per campaign, exactly-once counters in its own SQLite storage.

import { DurableObject } from "cloudflare:workers";
import { campaignEventsPage, type PageCursor } from "../db/campaign-events";
import { PauseStore, type GuardNotice, type GuardSettings, type GuardState } from "../guard/pause-store";
import { minus, type Tally } from "../guard/rules";
import { config } from "../config";
import { COUNTERS, effectOf, hourOf, linkKey, zeroCounts, type Counter, type CountedEvent, type Counts, type Effect } from "./counting";

/**
 * How long an applied event id is remembered. Queues redeliver within their retention (at most 14 days)
 * and SNS retries for hours, so 30 days covers every redelivery the platform makes; a replay older than
 * that (a manual one) would count again, and `POST /api/campaigns/<id>/rebuild` puts the numbers right.
 */
export const APPLIED_ID_RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 24 * 3_600_000;
const REBUILD_PAGE = 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS applied_at ON applied (at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hours (hour INTEGER NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS firsts (name TEXT NOT NULL, contact TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (name, contact)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
  link_index INTEGER NOT NULL, url TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0, uniq INTEGER NOT NULL DEFAULT 0, machine INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (link_index, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_contacts (link_index INTEGER NOT NULL, url TEXT NOT NULL, contact TEXT NOT NULL, PRIMARY KEY (link_index, url, contact)) WITHOUT ROWID;
`;

const TABLES = ["applied", "counters", "hours", "firsts", "links", "link_contacts"] as const;
const COUNTER_SET: ReadonlySet<string> = new Set(COUNTERS);

export interface RecordResult {
  applied: number;
  duplicates: number;
  /** The guard's pause not yet announced (its webhook event): present until acknowledged. */
  notices?: GuardNotice[];
}

export interface CampaignGuardState extends GuardState {
  settings: GuardSettings;
}

function tallyOf(c: Counts): Tally {
  return { sent: c.sent, bouncesHard: c.bouncesHard, complaints: c.complaints };
}

export interface HourRow {
  hour: number;
  name: Counter;
  n: number;
}

export interface LinkRow {
  linkIndex: number | null;
  url: string | null;
  total: number;
  unique: number;
  machine: number;
}

export interface RebuildResult {
  events: number;
  firstAt: number | null;
  lastAt: number | null;
}

export class CampaignStats extends DurableObject<Env> {
  private sql: SqlStorage;
  private alarmChecked = false;
  /** The campaign's reputation guard: decided here, beside the counters it reads, in the same transaction. */
  private guard: PauseStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    this.guard = new PauseStore(this.sql, "campaign");
  }

  /**
   * Count the events not applied before; ids and counters commit together, so a replay changes nothing. The guard
   * is judged on the new counts before anything is awaited, so a pause commits with the counts that caused it.
   */
  async record(events: CountedEvent[], campaignId?: string): Promise<RecordResult> {
    if (campaignId !== undefined) this.guard.rememberScope(campaignId);
    const applied = this.applyNow(events);
    if (applied > 0) this.judgeGuard();
    const notice = this.guard.pendingNotice();
    await this.schedulePruning();
    const result = { applied, duplicates: events.length - applied };
    return notice ? { ...result, notices: [notice] } : result;
  }

  /** The counters and the guard in one call: what the stats API answers. */
  report(): { counts: Counts; guard: CampaignGuardState } {
    return { counts: this.counts(), guard: this.guardState() };
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
      .map((r) => ({ linkIndex: r.link_index < 0 ? null : r.link_index, url: r.url === "" ? null : r.url, total: r.total, unique: r.uniq, machine: r.machine }));
  }

  /**
   * Recount from D1: forget everything, then apply the campaign's stored events page by page.
   * Live batches may arrive while the pages are read; the consumer stores in D1 before it counts,
   * so every event is either in a page read after the reset or counted live after it, and the
   * applied ids make an event that is both count once.
   */
  async rebuild(campaignId: string): Promise<RebuildResult> {
    this.ctx.storage.transactionSync(() => {
      for (const table of TABLES) this.sql.exec(`DELETE FROM ${table}`);
    });
    const result: RebuildResult = { events: 0, firstAt: null, lastAt: null };
    let after: PageCursor | null = null;
    do {
      const page = await campaignEventsPage(this.env.DB, campaignId, after, REBUILD_PAGE);
      this.applyNow(page.events);
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

  /** Forget applied ids past their retention; counters are untouched. */
  override async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM applied WHERE at < ?", Date.now() - APPLIED_ID_RETENTION_MS);
    const left = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM applied").one().n;
    this.alarmChecked = left > 0;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
  }

  private async schedulePruning(): Promise<void> {
    if (this.alarmChecked) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
    this.alarmChecked = true;
  }

  private applyNow(events: readonly CountedEvent[]): number {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      let applied = 0;
      for (const e of events) {
        const fresh = this.sql.exec("INSERT INTO applied (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", e.id, now).toArray().length > 0;
        if (!fresh) continue;
        applied++;
        const effect = effectOf(e);
        if (effect) this.count(e, effect);
      }
      return applied;
    });
  }

  private count(e: CountedEvent, effect: Effect): void {
    const hour = hourOf(e.occurredAt);
    this.bump(effect.counter, hour, 1);
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
        .exec("INSERT INTO link_contacts (link_index, url, contact) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING contact", link.linkIndex, link.url, e.contactId)
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
