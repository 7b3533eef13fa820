// The per-contact entries of campaign counters: read and erased across the campaigns that may hold a person.

import type { ContactEntries, ErasedEntries } from "../objects/campaign-stats";
import { campaignStats } from "../objects/stats-client";

/** Durable Object calls in flight at once: erasure and export are rare, so they go in small waves, not one burst. */
const IN_FLIGHT = 8;

async function eachCampaign<T>(
  env: Env,
  campaignIds: readonly string[],
  call: (stub: ReturnType<typeof campaignStats>, campaignId: string) => Promise<T>,
): Promise<Array<[string, T]>> {
  const out: Array<[string, T]> = [];
  for (let i = 0; i < campaignIds.length; i += IN_FLIGHT) {
    const wave = campaignIds.slice(i, i + IN_FLIGHT);
    const results = await Promise.all(wave.map((id) => call(campaignStats(env.CAMPAIGN_STATS, id), id)));
    out.push(...wave.map((id, k): [string, T] => [id, results[k]!]));
  }
  return out;
}

/** Every campaign's entries for the contacts; campaigns that hold none are left out. */
export async function counterEntries(
  env: Env,
  campaignIds: readonly string[],
  contacts: string[],
): Promise<Array<{ campaignId: string } & ContactEntries>> {
  const all = await eachCampaign(env, campaignIds, (stub) => stub.contactEntries(contacts));
  return all.filter(([, e]) => e.firsts.length + e.links.length + e.recentClicks.length > 0).map(([campaignId, e]) => ({ campaignId, ...e }));
}

/**
 * Erase the contacts from every campaign's unique sets, `key`'s address from its link URLs and the campaign's
 * `eventIds` from its applied ids, one call per campaign; counts what went. A failed call throws (erasing again
 * completes it).
 */
export async function eraseCounterEntries(
  env: Env,
  campaignIds: readonly string[],
  contacts: string[],
  key: string,
  eventIds: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<{ campaigns: number } & ErasedEntries> {
  const all = await eachCampaign(env, campaignIds, (stub, id) => stub.eraseContacts(contacts, key, [...(eventIds.get(id) ?? [])]));
  const total = { campaigns: 0, firsts: 0, linkContacts: 0, recentClicks: 0, linksRedacted: 0, appliedIds: 0 };
  for (const [, erased] of all) {
    if (erased.firsts + erased.linkContacts + erased.recentClicks + erased.linksRedacted > 0) total.campaigns++;
    total.firsts += erased.firsts;
    total.linkContacts += erased.linkContacts;
    total.recentClicks += erased.recentClicks;
    total.linksRedacted += erased.linksRedacted;
    total.appliedIds += erased.appliedIds;
  }
  return total;
}
