// Which tracking a message gets: the campaign's switches and the send's, each able to turn a kind off.

import type { TrackSwitches } from "../domain/track-switches";

/**
 * Both switches must allow a kind of tracking: a send cannot turn back on what its campaign turned off (the
 * campaign setting is usually a privacy decision), and a send can turn off what its campaign allows.
 */
export function effectiveTracking(campaign: TrackSwitches, send: Partial<TrackSwitches> | undefined): TrackSwitches {
  const clicks = campaign.clicks && (send?.clicks ?? true);
  return {
    opens: campaign.opens && (send?.opens ?? true),
    clicks,
    // A honeypot is a tracked link: no click tracking, no honeypot.
    honeypot: clicks && campaign.honeypot && (send?.honeypot ?? true),
  };
}
