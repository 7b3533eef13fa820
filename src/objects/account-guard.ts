// The AccountGuard Durable Object: sends, hard bounces and complaints of the last 24 hours over all campaigns.
//
// One object for the deployment (idFromName("account")). It is touched once per events batch, with only the
// batch's sends, hard bounces and complaints, so its load is the number of batches, not of events. Each event is
// counted once (its id is remembered while it is inside the window), per minute, so a replayed batch changes nothing
// and the window rolls minute by minute. The decision is made here, beside the counts, as for a campaign.

import { DurableObject } from "cloudflare:workers";
import { PauseStore, type GuardNotice, type GuardState } from "../guard/pause-store";
import type { Tally } from "../domain/guard-rules";
import { config } from "../config/config";
import { migrateObject } from "../db/object-migrations";
import migrations from "../guard/migrations/migrations.js";

export const WINDOW_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** One event as the account counts it. */
export interface AccountActivity {
  id: string;
  kind: "sent" | "bounceHard" | "complaint";
  at: number;
}

const COLUMN: Record<AccountActivity["kind"], string> = { sent: "sent", bounceHard: "bounces_hard", complaint: "complaints" };

export class AccountGuard extends DurableObject<Env> {
  private sql: SqlStorage;
  private guard!: PauseStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Migrations (src/guard/migrations/) before anything is served.
    void ctx.blockConcurrencyWhile(async () => {
      await migrateObject(ctx.storage, migrations);
      this.guard = new PauseStore(this.sql, "account");
    });
  }

  /** Count what is new and inside the window, judge the window, and hand out a pause not yet announced. */
  record(activity: AccountActivity[]): { applied: number; notices?: GuardNotice[] } {
    const now = Date.now();
    const cutoff = now - WINDOW_MS;
    let applied = 0;
    for (const a of activity) {
      // Outside the window it would never count again: neither counted nor remembered.
      if (a.at < cutoff) continue;
      const fresh = this.sql.exec("INSERT INTO seen (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", a.id, a.at).toArray().length > 0;
      if (!fresh) continue;
      applied++;
      const column = COLUMN[a.kind];
      this.sql.exec(
        `INSERT INTO minutes (minute, ${column}) VALUES (?, 1) ON CONFLICT (minute) DO UPDATE SET ${column} = ${column} + 1`,
        Math.floor(a.at / MINUTE_MS),
      );
    }
    this.sql.exec("DELETE FROM seen WHERE at < ?", cutoff);
    this.sql.exec("DELETE FROM minutes WHERE minute < ?", Math.floor(cutoff / MINUTE_MS));
    if (applied > 0) {
      const from = Math.max(cutoff, this.guard.since() ?? 0);
      this.guard.judge(this.tallySince(from), config(this.env).guard, now, from);
    }
    const notice = this.guard.pendingNotice();
    return notice ? { applied, notices: [notice] } : { applied };
  }

  /** The window's figures and the pause, if any. */
  state(): GuardState & { window: Tally & { from: string } } {
    const from = Math.max(Date.now() - WINDOW_MS, this.guard.since() ?? 0);
    return { ...this.guard.state(config(this.env).guard), window: { ...this.tallySince(from), from: new Date(from).toISOString() } };
  }

  /** Lift the pause: the next one is judged only on what happens from now on. */
  resume(): { resumed: boolean; guard: GuardState } {
    const resumed = this.guard.resume(Date.now());
    return { resumed, guard: this.guard.state(config(this.env).guard) };
  }

  /**
   * Forget these event ids (an erased person's: some are hashes of their address). The counts stay; the erasure
   * tombstone keeps a redelivery of the events from counting again. How many were held.
   */
  forgetEvents(ids: readonly string[]): number {
    return this.sql.exec("DELETE FROM seen WHERE id IN (SELECT value FROM json_each(?)) RETURNING 1", JSON.stringify(ids)).toArray().length;
  }

  acknowledgeNotice(id: string): void {
    this.guard.acknowledge(id);
  }

  private tallySince(from: number): Tally {
    const row = this.sql
      .exec<{ sent: number | null; bounces: number | null; complaints: number | null }>(
        "SELECT sum(sent) AS sent, sum(bounces_hard) AS bounces, sum(complaints) AS complaints FROM minutes WHERE minute >= ?",
        Math.floor(from / MINUTE_MS),
      )
      .one();
    return { sent: row.sent ?? 0, bouncesHard: row.bounces ?? 0, complaints: row.complaints ?? 0 };
  }
}

export function accountGuard(ns: DurableObjectNamespace<AccountGuard>): DurableObjectStub<AccountGuard> {
  return ns.get(ns.idFromName("account"));
}
