// The guard as the stats API shows it: the campaign's own state, the account's pause, and whether sends are held.

import type { CampaignGuardState } from "./pause-store";
import type { GuardState } from "./pause-store";

export function guardReport(campaign: CampaignGuardState, account: GuardState) {
  return {
    ...campaign,
    account: { paused: account.paused, pause: account.pause, resumedAt: account.resumedAt },
    /** True when the send consumer holds this campaign's sends, for either reason. */
    sendsPaused: campaign.paused || account.paused,
  };
}
