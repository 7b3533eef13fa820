// The CampaignStats Durable Object: one per campaign, exactly-once counters in its own SQLite storage.

import { DurableObject } from "cloudflare:workers";
import { campaignEventsPage, type PageCursor } from "../stats/stored-events";
import { database } from "../db/client";
import { PauseStore, type CampaignGuardState, type GuardNotice, type GuardSettings } from "../guard/pause-store";
import { minus, type Tally } from "../domain/guard-rules";
import type { CountedEvent, Counts } from "../stats/counting";
import type { HourRow, LinkRow, MachineByReason } from "../stats/report";
import { config } from "../config/config";
import { errorFields, log } from "../lib/log";
import { migrateStats } from "../stats/identity-migration";
import { migrateObject } from "../db/object-migrations";
import migrations from "../stats/migrations/migrations.js";
import { applyEvents, clearCounts } from "./campaign-stats/counters";
import { settleClicks } from "./campaign-stats/click-settlement";
import { contactEntries, eraseContacts, type ContactEntries, type ErasedEntries } from "./campaign-stats/contacts";
import { PRUNE_EVERY_MS, prune } from "./campaign-stats/retention";
import { readAudience, type Audience } from "../stats/audience-counts";
import { readCounts, readHourRange, readHours, readLinks, readMachineByReason } from "./campaign-stats/reading";
import { reportToAccount } from "./campaign-stats/account-report";
import { withProviders } from "../stats/mailbox-resolver";
import { readProviderCounts, type ProviderCounts } from "../stats/provider-counts";

export type { ContactEntries, ErasedEntries } from "./campaign-stats/contacts";
export { APPLIED_ID_RETENTION_MS } from "./campaign-stats/retention";

const REBUILD_PAGE = 1000;

/** After a failed settling (D1 unreachable), the next try (a contended one is tried again sooner). */
const SETTLE_RETRY_MS = 30_000;

export interface RecordResult {
  applied: number;
  duplicates: number;
  /** The guard's pause not yet announced (its webhook event): present until acknowledged. */
  notices?: GuardNotice[];
}

function tallyOf(c: Counts): Tally {
  return { sent: c.sent, bouncesHard: c.bouncesHard, complaints: c.complaints };
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
    if (applied > 0) await this.reportToAccount();
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
    return readCounts(this.sql);
  }

  /** The counters, the machine breakdown and the guard in one call: what the stats answer needs. */
  summary(): { counts: Counts; machineByReason: MachineByReason; guard: CampaignGuardState } {
    return { counts: this.counts(), machineByReason: this.machineByReason(), guard: this.guardState() };
  }

  /** The counts per mailbox provider (src/stats/provider-counts.ts). */
  providers(): Record<string, ProviderCounts> {
    return readProviderCounts(this.sql);
  }

  /** Machine opens and clicks per reason code (the breakdown of `opensMachine` and `clicksMachine`). */
  machineByReason(): MachineByReason {
    return readMachineByReason(this.sql);
  }

  /** Human opens and clicks by client or browser, device, OS and country (src/stats/audience-counts.ts). */
  audience(): Audience {
    return readAudience(this.sql);
  }

  /** The first and last hour that hold anything (null for an empty campaign). */
  hourRange(): { first: number; last: number } | null {
    return readHourRange(this.sql);
  }

  /** Hourly values in [fromHour, toHour); hours with nothing are absent. O(hours in the range). */
  hours(fromHour: number, toHour: number): HourRow[] {
    return readHours(this.sql, fromHour, toHour);
  }

  links(limit = 1000): LinkRow[] {
    return readLinks(this.sql, limit);
  }

  /** The per-contact entries of these contacts (the right of access). */
  contactEntries(contacts: string[]): ContactEntries {
    return contactEntries(this.sql, contacts);
  }

  /**
   * Forget these contacts (the right to erasure): their entries in the unique sets go, and `key`'s address is
   * redacted from link URLs that carry it; the counters stay as they are. Erasing again finds nothing.
   */
  eraseContacts(contacts: string[], key?: string, eventIds: readonly string[] = []): ErasedEntries {
    return eraseContacts(this.ctx.storage, contacts, key, eventIds);
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
    clearCounts(this.ctx.storage);
    const result: RebuildResult = { events: 0, firstAt: null, lastAt: null };
    let after: PageCursor | null = null;
    const db = database(this.env.DB);
    do {
      const page = await campaignEventsPage(db, campaignId, after, REBUILD_PAGE);
      this.applyNow(await withProviders(db, page.events), Date.now());
      for (const e of page.events) {
        result.firstAt = Math.min(result.firstAt ?? e.occurredAt, e.occurredAt);
        result.lastAt = Math.max(result.lastAt ?? e.occurredAt, e.occurredAt);
      }
      result.events += page.events.length;
      after = page.next;
    } while (after !== null);
    this.judgeGuard();
    await this.schedulePruning();
    await this.reportToAccount();
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
      retryAt = await settleClicks(
        { storage: this.ctx.storage, db: database(this.env.DB), campaignId: () => this.storedCampaignId(), newHumanClicks: this.newHumanClicks },
        now,
      );
    } catch (err) {
      log.error("click window not settled; will retry", { ...errorFields(err) });
      retryAt = now + SETTLE_RETRY_MS;
    }
    const { next, pruning } = prune(this.sql, now, retryAt);
    this.alarmChecked = pruning;
    if (next !== null) await this.ctx.storage.setAlarm(next);
    // Settled clicks moved counts, or an earlier report failed: the account's shard hears of it (/metrics).
    await this.reportToAccount();
  }

  private async reportToAccount(): Promise<void> {
    const retryAt = await reportToAccount(this.ctx.storage, this.env.ACCOUNT_COUNTERS, this.storedCampaignId(), Date.now());
    if (retryAt !== null) await this.wakeBy(retryAt);
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
    const { applied, remembered } = applyEvents(this.ctx.storage, events, now, due, (contact) => this.newHumanClicks.add(contact));
    return { applied, due: remembered ? due : null };
  }
}
