// Per-provider counts as the API answers them: the campaign's rates over each provider, Google's complaints said unknown.

import type { ProviderItem } from "../domain/provider-contract";
import { isProvider, PROVIDER_NAMES, PROVIDERS, type Provider } from "../domain/mailbox-providers";
import { zeroCounts } from "./counting";
import { zeroProviderCounts, type ProviderCounts } from "./provider-counts";
import { statsReport } from "./report";

/** Providers whose complaints never reach SES per message: their complaint count is not a measurement. */
const NO_COMPLAINT_FEEDBACK: Partial<Record<Provider, string>> = {
  google:
    "Gmail sends no per-message complaints (no feedback loop to SES): its spam rate reaches senders only in aggregate, in Google Postmaster Tools. 0 complaints here means unknown, not none.",
};

export function providerItem(provider: Provider, c: ProviderCounts): ProviderItem {
  // The campaign's own rate rules (src/stats/report.ts), fed this provider's counts.
  const { rates } = statsReport("", { ...zeroCounts(), ...c });
  const note = NO_COMPLAINT_FEEDBACK[provider] ?? null;
  return {
    provider,
    name: PROVIDER_NAMES[provider],
    sent: c.sent,
    delivered: c.delivered,
    bounces: { hard: c.bouncesHard, soft: c.bouncesSoft },
    complaints: c.complaints,
    opens: { human: c.opens, unique: c.opensUnique },
    clicks: { human: c.clicks, unique: c.clicksUnique },
    unsubscribes: c.unsubscribes,
    rates: { ...rates, complaint: note === null ? rates.complaint : null },
    complaintsReported: note === null,
    note,
  };
}

/** Every provider with anything counted, most sent first (then in the table's order). */
export function providerItems(byProvider: Record<string, ProviderCounts>): ProviderItem[] {
  return Object.entries(byProvider)
    .filter((entry): entry is [Provider, ProviderCounts] => isProvider(entry[0]) && Object.values(entry[1]).some((n) => n !== 0))
    .sort(([a, x], [b, y]) => y.sent - x.sent || PROVIDERS.indexOf(a) - PROVIDERS.indexOf(b))
    .map(([p, c]) => providerItem(p, c));
}

/** The sum of several campaigns' counts per provider. */
export function sumProviders(all: ReadonlyArray<Record<string, ProviderCounts>>): Record<string, ProviderCounts> {
  const out: Record<string, ProviderCounts> = {};
  for (const one of all) {
    for (const [provider, counts] of Object.entries(one)) {
      const sum = (out[provider] ??= zeroProviderCounts());
      for (const [k, n] of Object.entries(counts)) sum[k as keyof ProviderCounts] += n;
    }
  }
  return out;
}
