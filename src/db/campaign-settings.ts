// Per-campaign tracking switches in D1: read with defaults, written as a whole.

import { eq } from "drizzle-orm";
import type { TrackSwitches } from "../domain/track-switches";
import type { Db } from "./client";
import { campaignSettings } from "./schema";

/** A campaign nobody configured tracks opens and clicks, with a honeypot link. */
export const DEFAULT_TRACKING: TrackSwitches = { opens: true, clicks: true, honeypot: true };

export async function campaignTracking(db: Db, campaignId: string): Promise<TrackSwitches> {
  const row = await db.select().from(campaignSettings).where(eq(campaignSettings.campaignId, campaignId)).get();
  return row ? { opens: row.trackOpens, clicks: row.trackClicks, honeypot: row.trackHoneypot } : { ...DEFAULT_TRACKING };
}

/** Change the switches given; the others keep their value. Returns the switches now in force. */
export async function updateCampaignTracking(db: Db, campaignId: string, change: Partial<TrackSwitches>, now = Date.now()): Promise<TrackSwitches> {
  const next = { ...(await campaignTracking(db, campaignId)), ...definedOnly(change) };
  const values = { trackOpens: next.opens, trackClicks: next.clicks, trackHoneypot: next.honeypot, updatedAt: now };
  await db
    .insert(campaignSettings)
    .values({ campaignId, ...values })
    .onConflictDoUpdate({ target: campaignSettings.campaignId, set: values });
  return next;
}

function definedOnly(change: Partial<TrackSwitches>): Partial<TrackSwitches> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
}
