// The mailbox-provider answers as valibot schemas (re-exported by api-contract.ts): a campaign's and the account's.
// Imports only valibot and plain domain data, like api-contract.ts, so the dashboard can import it.

import * as v from "valibot";
import { PROVIDERS } from "./mailbox-providers";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Fraction = v.pipe(v.number(), v.description("a fraction, 4 decimals; 0 when there is nothing to divide by"));

/** The campaign's rates (same keys, same denominators), over one provider's recipients. */
export const ProviderRates = v.object({
  delivery: Fraction,
  open: Fraction,
  click: Fraction,
  clickToOpen: Fraction,
  bounce: Fraction,
  complaint: v.pipe(v.nullable(Fraction), v.description("null where the provider reports no complaints per message (Google)")),
  unsubscribe: Fraction,
});

export const ProviderItem = v.object({
  provider: v.picklist(PROVIDERS),
  name: v.string(),
  sent: Count,
  delivered: Count,
  bounces: v.object({ hard: Count, soft: Count }),
  complaints: Count,
  opens: v.object({ human: Count, unique: Count }),
  clicks: v.object({ human: Count, unique: Count }),
  unsubscribes: Count,
  rates: ProviderRates,
  complaintsReported: v.pipe(v.boolean(), v.description("false: the provider sends no per-message complaints, so 0 means unknown")),
  note: v.nullable(v.string()),
});
export type ProviderItem = v.InferOutput<typeof ProviderItem>;

export const CampaignProviders = v.object({ campaignId: v.string(), items: v.array(ProviderItem) });
export type CampaignProviders = v.InferOutput<typeof CampaignProviders>;

export const AccountProviders = v.object({
  items: v.array(ProviderItem),
  campaigns: v.pipe(Count, v.description("campaigns summed")),
  complete: v.pipe(v.boolean(), v.description("false when more campaigns exist than one answer sums (the most recently active are summed)")),
});
export type AccountProviders = v.InferOutput<typeof AccountProviders>;
