// Settling a CampaignStats object's click window: due clicks whose window changed their verdict are relabelled,
// in D1 and in the counters.

import type { Db } from "../../db/client";
import { humanClicksOf, storeLabels, type HumanClick } from "../../db/machine-labels";
import { REASONS, type ReasonCode } from "../../machine/classify";
import { countedReason, dueRows, flipsVerdict, postpone, relabels, settled, type Relabel, type WindowRow } from "../../stats/click-window";
import { effectOf, type CountedEvent } from "../../stats/counting";
import { count, folded, uncountClick } from "./counters";
import { domainOf } from "../../domain/mailbox-providers";
import { providersOf } from "../../stats/mailbox-resolver";

/** A contended click (a person's click of the same contact counted while D1 was read) is tried again this soon. */
const CONTENDED_RETRY_MS = 1_000;

/** What settling reads beside the object's storage. */
export interface SettleContext {
  storage: DurableObjectStorage;
  db: Db;
  /** The campaign the object counts, for its writes to D1; null if never told. */
  campaignId: () => string | null;
  /** Contacts with a person's click counted since the window last read D1: cleared here, filled by counting. */
  newHumanClicks: Set<string>;
}

/**
 * Relabels the due clicks whose window changed their verdict: D1 first (idempotent), then the counters and the
 * remembered verdict in one transaction, so a crash between the two is mended by the next alarm. Answers when to
 * come back for clicks put off (null if none).
 */
export async function settleClicks(s: SettleContext, now: number): Promise<number | null> {
  const sql = s.storage.sql;
  s.newHumanClicks.clear();
  const rows = dueRows(sql, now);
  if (rows.length === 0) return null;
  const changes = relabels(sql, rows);
  const campaignId = changes.length > 0 ? s.campaignId() : null;
  if (changes.length > 0 && campaignId === null) throw new Error("campaign id unknown: clicks cannot be relabelled in D1");
  await storeLabels(
    s.db,
    changes.map((c) => ({ id: c.row.id, machine: REASONS[c.to].machine, reason: c.to })),
  );
  const flipped = [...new Set(changes.filter(flipsVerdict).flatMap((c) => (c.row.contact === null ? [] : [c.row.contact])))];
  const humanClicks = campaignId !== null && flipped.length > 0 ? await humanClicksOf(s.db, campaignId, flipped) : new Map<string, HumanClick[]>();
  // The providers the clicks were counted under, as decided (D1 only: no lookup here).
  const domains = changes.flatMap((c) => domainOf(c.row.contact) ?? []);
  const providers = domains.length > 0 ? await providersOf(s.db, domains, { lookups: 0 }) : new Map<string, string>();
  return s.storage.transactionSync(() => folded(s.storage.sql, () => applySettlement(s, rows, changes, { humanClicks, providers }, now)));
}

/** The counters' side of settling, in the caller's transaction; answers when to come back for clicks put off. */
function applySettlement(
  s: SettleContext,
  rows: readonly WindowRow[],
  changes: readonly Relabel[],
  read: { humanClicks: ReadonlyMap<string, HumanClick[]>; providers: ReadonlyMap<string, string> },
  now: number,
): number | null {
  const sql = s.storage.sql;
  let retryAt: number | null = null;
  const changed = new Map(changes.map((c) => [c.row.id, c]));
  for (const row of rows) {
    // A rebuild while D1 was written may have cleared the window (and counted D1's verdicts): nothing to move.
    if (countedReason(sql, row.id) !== row.reason) continue;
    const change = changed.get(row.id);
    // A person's click of the same contact counted while D1 was read: what D1 said may be stale, look again.
    if (change && flipsVerdict(change) && row.contact !== null && s.newHumanClicks.has(row.contact)) {
      retryAt = now + CONTENDED_RETRY_MS;
      postpone(sql, row.id, retryAt);
      continue;
    }
    if (change) relabel(sql, change, read.humanClicks.get(row.contact ?? "") ?? [], read.providers.get(domainOf(row.contact) ?? "") ?? null);
    settled(sql, row.id, change?.to ?? row.reason, now);
  }
  return retryAt;
}

/** Moves one click from the counts of its old verdict to those of the new one. */
function relabel(sql: SqlStorage, { row, to }: Relabel, humanClicks: readonly HumanClick[], provider: string | null): void {
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
    provider,
  });
  uncountClick(sql, event(row.reason), row, humanClicks);
  const next = event(to);
  count(sql, next, effectOf(next)!);
}
