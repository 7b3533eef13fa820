// A campaign's counters reported to its AccountCounters shard: exactly once in the totals, retried until it lands.

import { errorFields, log } from "../../lib/log";
import { accountCounters, shardOf, type AccountCounters } from "../account-counters";
import { readCounts } from "./reading";

/** After a failed report, the alarm tries again this soon. */
export const REPORT_RETRY_MS = 30_000;

function about(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM about WHERE key = ?", key).toArray()[0]?.value ?? null;
}

function setAbout(sql: SqlStorage, key: string, value: string): void {
  sql.exec("INSERT INTO about (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}

/**
 * Send the counters as they are now, under a new sequence number, unless the shard already holds exactly these.
 * The numbers are read and the seq taken with no await between, so a higher seq always carries later counts; what
 * the shard last acknowledged is kept, so a report that failed (after the counts committed) is sent again by the
 * alarm. Answers when to try again, or null when the shard has the counts.
 */
export async function reportToAccount(
  storage: DurableObjectStorage,
  ns: DurableObjectNamespace<AccountCounters>,
  campaignId: string | null,
  now: number,
): Promise<number | null> {
  if (campaignId === null) return null;
  const sql = storage.sql;
  const counts = readCounts(sql);
  const body = JSON.stringify(counts);
  if (about(sql, "accountAcked") === body) return null;
  // Never below the clock either: an object whose storage was wiped still reports above what its shard holds.
  const seq = Math.max(Number(about(sql, "accountSeq") ?? "0") + 1, now);
  setAbout(sql, "accountSeq", String(seq));
  try {
    await accountCounters(ns, shardOf(campaignId)).apply(campaignId, seq, counts);
  } catch (err) {
    log.error("account counters not reported; will retry", { campaignId, seq, ...errorFields(err) });
    return now + REPORT_RETRY_MS;
  }
  // A later report started meanwhile acknowledges its own (later) counts.
  if (about(sql, "accountSeq") === String(seq)) setAbout(sql, "accountAcked", body);
  return null;
}
