// A guard's state in its Durable Object's SQLite storage: settings, the pause in force, and its pending notice.
//
// Shared by the campaign's CampaignStats object and the AccountGuard object. Everything here is synchronous SQL,
// so a decision and the counts it was made on commit together (no await between them).

import { crossing, ZERO_TALLY, type Crossing, type PauseReason, type Tally, type Thresholds } from "../domain/guard-rules";

/** The guard's one row (its table: src/guard/guard-table.ts, created by each object's migrations). */
const ONE_ROW = "INSERT INTO guard (k) VALUES (1) ON CONFLICT DO NOTHING";

type Row = {
  scope_id: string | null;
  enabled: number;
  min_sent: number | null;
  bounce_rate: number | null;
  complaint_rate: number | null;
  paused_at: number | null;
  pause: string | null;
  since: number | null;
  base_sent: number;
  base_bounces: number;
  base_complaints: number;
  pauses: number;
  notice: string | null;
};

export type GuardScope = "campaign" | "account";

/** A campaign's own choices: the guard on or off, and thresholds that replace the deployment's (null: keep them). */
export interface GuardSettings {
  enabled: boolean;
  minSent: number | null;
  bounceRate: number | null;
  complaintRate: number | null;
}

/** What a pause was decided on: the figures, the thresholds in force, and the span they cover. */
export interface PauseRecord {
  reason: PauseReason;
  pausedAt: string;
  sent: number;
  bouncesHard: number;
  complaints: number;
  bounceRate: number;
  complaintRate: number;
  thresholds: Thresholds;
  /** The start of what was counted: the last resume, the start of the rolling day (account), or null (all of it). */
  from: string | null;
}

export interface GuardState {
  scope: GuardScope;
  enabled: boolean;
  paused: boolean;
  pause: PauseRecord | null;
  /** The last resume: only what happened after it counts towards the next pause. */
  resumedAt: string | null;
  thresholds: Thresholds;
}

/** A pause to announce as a webhook event; it stays pending in storage until the events consumer enqueued it. */
export interface GuardNotice {
  id: string;
  type: "campaign.paused" | "account.paused";
  campaignId: string | null;
  at: number;
  data: PauseRecord & { campaignId?: string };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class PauseStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly scope: GuardScope,
  ) {
    sql.exec(ONE_ROW);
  }

  private row(): Row {
    return this.sql.exec<Row>("SELECT * FROM guard WHERE k = 1").one();
  }

  /** The campaign this object counts, remembered from its first caller that named it. */
  rememberScope(id: string): void {
    this.sql.exec("UPDATE guard SET scope_id = ? WHERE k = 1 AND scope_id IS NULL", id);
  }

  settings(): GuardSettings {
    const r = this.row();
    return { enabled: r.enabled === 1, minSent: r.min_sent, bounceRate: r.bounce_rate, complaintRate: r.complaint_rate };
  }

  /** Change the settings given (undefined leaves one as it is, null returns it to the deployment's value). */
  updateSettings(change: Partial<GuardSettings>): GuardSettings {
    const next = { ...this.settings(), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.sql.exec(
      "UPDATE guard SET enabled = ?, min_sent = ?, bounce_rate = ?, complaint_rate = ? WHERE k = 1",
      next.enabled ? 1 : 0,
      next.minSent,
      next.bounceRate,
      next.complaintRate,
    );
    return next;
  }

  thresholds(defaults: Thresholds): Thresholds {
    const r = this.row();
    return {
      minSent: r.min_sent ?? defaults.minSent,
      bounceRate: r.bounce_rate ?? defaults.bounceRate,
      complaintRate: r.complaint_rate ?? defaults.complaintRate,
    };
  }

  state(defaults: Thresholds): GuardState {
    const r = this.row();
    return {
      scope: this.scope,
      enabled: r.enabled === 1,
      paused: r.paused_at !== null,
      pause: r.pause === null ? null : (JSON.parse(r.pause) as PauseRecord),
      resumedAt: iso(r.since),
      thresholds: this.thresholds(defaults),
    };
  }

  /** The last resume (ms), or null: what happened before it no longer counts. */
  since(): number | null {
    return this.row().since;
  }

  /** Counts at the last resume (the campaign guard judges what came after). */
  baseline(): Tally {
    const r = this.row();
    return r.since === null ? ZERO_TALLY : { sent: r.base_sent, bouncesHard: r.base_bounces, complaints: r.base_complaints };
  }

  /**
   * Judge `tally` (already limited to what counts) and pause when it crosses: at most once until a resume, because
   * a paused guard is not judged again. Resolves to the new pause's notice, or null.
   */
  judge(tally: Tally, defaults: Thresholds, now: number, from: number | null): GuardNotice | null {
    const r = this.row();
    if (r.enabled !== 1 || r.paused_at !== null) return null;
    const thresholds = this.thresholds(defaults);
    const found = crossing(tally, thresholds);
    return found ? this.pause(found, thresholds, now, from, r) : null;
  }

  private pause(c: Crossing, thresholds: Thresholds, now: number, from: number | null, r: Row): GuardNotice {
    const record: PauseRecord = {
      reason: c.reason,
      pausedAt: new Date(now).toISOString(),
      ...c.tally,
      bounceRate: c.bounceRate,
      complaintRate: c.complaintRate,
      thresholds,
      from: iso(from),
    };
    const n = r.pauses + 1;
    const campaignId = this.scope === "campaign" ? r.scope_id : null;
    const notice: GuardNotice =
      this.scope === "campaign"
        ? {
            id: `campaign.paused:${campaignId ?? ""}:${n}`,
            type: "campaign.paused",
            campaignId,
            at: now,
            data: { campaignId: campaignId ?? undefined, ...record },
          }
        : { id: `account.paused:${n}`, type: "account.paused", campaignId: null, at: now, data: record };
    this.sql.exec(
      "UPDATE guard SET paused_at = ?, pause = ?, pauses = ?, notice = ? WHERE k = 1",
      now,
      JSON.stringify(record),
      n,
      JSON.stringify(notice),
    );
    return notice;
  }

  /**
   * Lift the pause. From now on only what happens after `now` counts (`counts` is the baseline for cumulative
   * counters): a resumed campaign is judged afresh, not paused again at once by the figures that paused it.
   * Resolves to whether there was a pause to lift (without one, nothing changes).
   */
  resume(now: number, counts: Tally = ZERO_TALLY): boolean {
    if (this.row().paused_at === null) return false;
    this.sql.exec(
      "UPDATE guard SET paused_at = NULL, pause = NULL, since = ?, base_sent = ?, base_bounces = ?, base_complaints = ? WHERE k = 1",
      now,
      counts.sent,
      counts.bouncesHard,
      counts.complaints,
    );
    return true;
  }

  /** The pause not yet announced, if any: handed out on every call until acknowledged, so it is never lost. */
  pendingNotice(): GuardNotice | null {
    const notice = this.row().notice;
    return notice === null ? null : (JSON.parse(notice) as GuardNotice);
  }

  acknowledge(id: string): void {
    this.sql.exec("UPDATE guard SET notice = NULL WHERE k = 1 AND json_extract(notice, '$.id') = ?", id);
  }
}

/** A campaign's guard as its object reports it: the state and the settings it runs with. */
export interface CampaignGuardState extends GuardState {
  settings: GuardSettings;
}
