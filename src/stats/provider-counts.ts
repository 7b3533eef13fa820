// A campaign's counts per mailbox provider: rows `provider:<id>:<counter>` of CampaignStats' counters table.
//
// Moved by the same bump as the campaign's own counter, in the same transaction, so they are exactly-once with it
// (a replayed event moves neither; a relabelled click moves both). Readers of the headline counters skip these names.

import type { Counter } from "./counting";

/** The counters kept per provider: what the providers answer and the campaign's rates need. */
export const PROVIDER_COUNTERS = [
  "sent",
  "delivered",
  "bouncesHard",
  "bouncesSoft",
  "complaints",
  "opens",
  "opensUnique",
  "clicks",
  "clicksUnique",
  "unsubscribes",
] as const satisfies readonly Counter[];

export type ProviderCounter = (typeof PROVIDER_COUNTERS)[number];
export type ProviderCounts = Record<ProviderCounter, number>;

const KEPT: ReadonlySet<string> = new Set(PROVIDER_COUNTERS);
const PREFIX = "provider:";

export function zeroProviderCounts(): ProviderCounts {
  return Object.fromEntries(PROVIDER_COUNTERS.map((c) => [c, 0])) as ProviderCounts;
}

/** The counters row that moves with `counter` for the event's provider; none for an event without one or a counter not kept per provider. */
export function providerCounterName(provider: string | null | undefined, counter: Counter): string | null {
  return provider && KEPT.has(counter) ? `${PREFIX}${provider}:${counter}` : null;
}

/** Every provider with anything counted, and its counts: one row per provider and counter. */
export function readProviderCounts(sql: SqlStorage): Record<string, ProviderCounts> {
  const out: Record<string, ProviderCounts> = {};
  for (const row of sql.exec<{ name: string; n: number }>("SELECT name, n FROM counters WHERE name LIKE 'provider:%'")) {
    const [, provider, counter] = row.name.split(":") as [string, string, string];
    if (!KEPT.has(counter)) continue;
    out[provider] ??= zeroProviderCounts();
    out[provider][counter as ProviderCounter] += row.n;
  }
  return out;
}
