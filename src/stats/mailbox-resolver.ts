// Deciding each recipient domain's mailbox provider: the table first, then D1, then its MX records over DNS-over-HTTPS.
//
// Bounded so that counting never waits long on DNS: at most MX_LOOKUPS_PER_CALL lookups per call (one consumer batch
// or one rebuild page), each given MX_TIMEOUT_MS. A domain past that budget, or whose lookup failed or timed out, counts
// as "other" for this call and is not stored: a later batch asks again, and once it is decided the decision is stored
// and kept. A live count taken while undecided stays under "other"; a rebuild counts it under its decided provider.

import { storedProviders, storeProviders, type MailDomainRow } from "../db/mail-domains";
import type { Db } from "../db/client";
import { domainOf, isReservedDomain, mxHosts, providerOfDomain, providerOfMx, type Provider } from "../domain/mailbox-providers";
import { BoundedMap } from "../lib/bounded-map";
import { dohQuery } from "../lib/doh";
import { errorFields, log } from "../lib/log";

export const MX_LOOKUPS_PER_CALL = 20;
export const MX_TIMEOUT_MS = 2000;
const MX_TYPE = 15;

/** Decided domains, per isolate: a decision never changes, so the cache needs no expiry, only a bound. */
const decided = new BoundedMap<string, Provider>(10_000);

type Lookup = { ok: true; row: MailDomainRow } | { ok: false };

async function lookUp(domain: string, now: number, fetcher: typeof fetch): Promise<Lookup> {
  try {
    const answer = await dohQuery(domain, "MX", MX_TIMEOUT_MS, fetcher);
    if (answer.Status === 3) return { ok: true, row: { domain, provider: "other", source: "no-mx", decidedAt: now } };
    if (answer.Status !== 0) return { ok: false };
    const hosts = mxHosts((answer.Answer ?? []).filter((r) => r.type === MX_TYPE && typeof r.data === "string").map((r) => r.data!));
    if (hosts.length === 0) return { ok: true, row: { domain, provider: "other", source: "no-mx", decidedAt: now } };
    return { ok: true, row: { domain, provider: providerOfMx(hosts), source: "mx", decidedAt: now } };
  } catch (err) {
    log.warn("MX lookup failed; the domain counts as other until a later batch decides it", { ...errorFields(err) });
    return { ok: false };
  }
}

/** Domains the table, the reserved names or this isolate already decide; the rest are left to D1 and DNS. */
function fromMemory(domains: readonly string[], out: Map<string, Provider>): string[] {
  const rest: string[] = [];
  for (const d of domains) {
    const known = providerOfDomain(d) ?? (isReservedDomain(d) ? "other" : decided.get(d));
    if (known) out.set(d, known);
    else rest.push(d);
  }
  return rest;
}

/**
 * The provider of every domain given. `lookups: 0` asks D1 only (what was decided is what counted). D1 errors are
 * thrown (the batch is retried like any storage failure); DNS errors never are.
 */
export async function providersOf(
  db: Db,
  domains: readonly string[],
  opts: { lookups?: number; fetcher?: typeof fetch; now?: number } = {},
): Promise<Map<string, Provider>> {
  const out = new Map<string, Provider>();
  const rest = fromMemory([...new Set(domains)], out);
  if (rest.length === 0) return out;
  const stored = await storedProviders(db, rest);
  const unknown: string[] = [];
  for (const d of rest) {
    const p = stored.get(d) as Provider | undefined;
    if (!p) {
      unknown.push(d);
      continue;
    }
    decided.set(d, p);
    out.set(d, p);
  }
  const asked = unknown.slice(0, opts.lookups ?? MX_LOOKUPS_PER_CALL);
  const found = await Promise.all(asked.map((d) => lookUp(d, opts.now ?? Date.now(), opts.fetcher ?? fetch)));
  const rows = found.flatMap((f) => (f.ok ? [f.row] : []));
  if (rows.length > 0) await storeProviders(db, rows);
  for (const r of rows) decided.set(r.domain, r.provider as Provider);
  for (const d of unknown) out.set(d, decided.get(d) ?? "other");
  return out;
}

/** Each event with its recipient's provider (null when it names no recipient or no campaign: never counted by provider). */
export async function withProviders<T extends { contactId: string | null; campaignId?: string | null }>(
  db: Db,
  list: readonly T[],
  opts: { lookups?: number } = {},
): Promise<Array<T & { provider: Provider | null }>> {
  const domains = list.flatMap((e) => (e.campaignId === null ? [] : [domainOf(e.contactId)].filter((d): d is string => d !== null)));
  const providers = domains.length > 0 ? await providersOf(db, domains, opts) : new Map<string, Provider>();
  return list.map((e) => {
    const d = e.campaignId === null ? null : domainOf(e.contactId);
    return { ...e, provider: d === null ? null : (providers.get(d) ?? "other") };
  });
}

/** Forgets this isolate's decisions (tests that change what DNS answers). */
export function forgetDecidedDomains(): void {
  decided.clear();
}
