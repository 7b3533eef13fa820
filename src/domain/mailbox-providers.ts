// Which mailbox provider holds a recipient's mailbox: a table of address domains, and of MX host suffixes for the rest.
//
// Plain data, decided by the recipient's domain. A domain in DOMAINS is decided by the table alone; any other domain is
// decided once from its MX records (src/stats/mailbox-resolver.ts) and stored in D1 (`mail_domains`), so that every
// later event and every rebuild counts it under the same provider.

export const PROVIDERS = ["google", "microsoft", "yahoo", "apple", "gmx", "proton", "zoho", "yandex", "mailru", "comcast", "other"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** How the API names each provider. */
export const PROVIDER_NAMES: Record<Provider, string> = {
  google: "Google (Gmail, Workspace)",
  microsoft: "Microsoft (Outlook.com, 365)",
  yahoo: "Yahoo / AOL",
  apple: "Apple iCloud",
  gmx: "GMX / Web.de",
  proton: "Proton",
  zoho: "Zoho",
  yandex: "Yandex",
  mailru: "Mail.ru",
  comcast: "Comcast",
  other: "Other",
};

/**
 * Consumer address domains, exact or `name.*` for every top-level part (`hotmail.*` is hotmail.com, hotmail.co.uk…).
 * Sources: each provider's own help pages on the addresses it issues — Google (gmail.com, googlemail.com for Germany
 * and the UK), Microsoft's "Outlook.com domains" (outlook.*, hotmail.*, live.*, msn.com, passport.com), Yahoo's and
 * AOL's sign-up domains (yahoo.*, ymail.com, rocketmail.com, aol.*, aim.com, verizon.net since its move to AOL),
 * Apple's "iCloud Mail" support article (icloud.com, me.com, mac.com), GMX/Web.de (gmx.*, web.de, 1&1's
 * email.de), Proton's address domains (proton.me, protonmail.com, protonmail.ch, pm.me), Zoho (zoho.*, zohomail.*),
 * Yandex (yandex.*, ya.ru), Mail.ru group (mail.ru, inbox.ru, list.ru, bk.ru), Comcast Xfinity (comcast.net).
 * Google Workspace and Microsoft 365 domains are the sender's own: their MX records decide them (MX_SUFFIXES).
 */
export const DOMAINS: Readonly<Record<string, Provider>> = {
  "gmail.com": "google",
  "googlemail.com": "google",
  "outlook.*": "microsoft",
  "hotmail.*": "microsoft",
  "live.*": "microsoft",
  "msn.com": "microsoft",
  "passport.com": "microsoft",
  "yahoo.*": "yahoo",
  "ymail.com": "yahoo",
  "rocketmail.com": "yahoo",
  "aol.*": "yahoo",
  "aim.com": "yahoo",
  "verizon.net": "yahoo",
  "icloud.com": "apple",
  "me.com": "apple",
  "mac.com": "apple",
  "gmx.*": "gmx",
  "web.de": "gmx",
  "email.de": "gmx",
  "proton.me": "proton",
  "protonmail.com": "proton",
  "protonmail.ch": "proton",
  "pm.me": "proton",
  "zoho.*": "zoho",
  "zohomail.*": "zoho",
  "yandex.*": "yandex",
  "ya.ru": "yandex",
  "mail.ru": "mailru",
  "inbox.ru": "mailru",
  "list.ru": "mailru",
  "bk.ru": "mailru",
  "comcast.net": "comcast",
};

/**
 * MX host suffixes, for domains not in DOMAINS (Workspace, 365, custom domains at a provider). Sources: Google
 * Workspace's MX setup page (aspmx.l.google.com, googlemail.com, smtp.google.com); Microsoft 365's DNS records page
 * (<tenant>.mail.protection.outlook.com; outlook.com); Yahoo (yahoodns.net, the MX of yahoo.com and aol.com);
 * Apple's iCloud+ custom domain page (mx01.mail.icloud.com, mx02.mail.icloud.com); GMX and Web.de (mx.gmx.net,
 * mx.web.de); Proton's custom domain page (mail.protonmail.ch, mailsec.protonmail.ch); Zoho Mail's MX page
 * (mx.zoho.com, mx.zoho.eu, …); Yandex 360 (mx.yandex.net, mx.yandex.ru); Mail.ru for business (emx.mail.ru);
 * Comcast (mx.comcast.net). The longest matching suffix wins.
 */
export const MX_SUFFIXES: ReadonlyArray<readonly [string, Provider]> = [
  ["google.com", "google"],
  ["googlemail.com", "google"],
  ["outlook.com", "microsoft"],
  ["yahoodns.net", "yahoo"],
  ["icloud.com", "apple"],
  ["gmx.net", "gmx"],
  ["gmx.de", "gmx"],
  ["web.de", "gmx"],
  ["protonmail.ch", "proton"],
  ["zoho.com", "zoho"],
  ["zoho.eu", "zoho"],
  ["zoho.in", "zoho"],
  ["yandex.net", "yandex"],
  ["yandex.ru", "yandex"],
  ["mail.ru", "mailru"],
  ["comcast.net", "comcast"],
];

export function isProvider(value: string): value is Provider {
  return (PROVIDERS as readonly string[]).includes(value);
}

/** The domain of a normalised address (the identity key), or null when it has none. */
export function domainOf(address: string | null): string | null {
  if (address === null) return null;
  const at = address.lastIndexOf("@");
  const domain = at < 0 ? "" : address.slice(at + 1).replace(/\.$/, "");
  return domain.length > 0 && domain.includes(".") ? domain.toLowerCase() : null;
}

/** The provider of a domain by the table alone, or null when only its MX records can tell. */
export function providerOfDomain(domain: string): Provider | null {
  const exact = DOMAINS[domain];
  if (exact) return exact;
  // `name.*` stands for a country or generic top level (hotmail.co.uk, yahoo.com.br), not any domain under name.
  const [first, ...rest] = domain.split(".");
  if (rest.length > 2 || !rest.every((label) => /^[a-z]{2,3}$/.test(label))) return null;
  return DOMAINS[`${first}.*`] ?? null;
}

function endsWithSuffix(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`);
}

/**
 * The provider of MX hosts (most preferred first): the first host's, by the longest suffix, else "other". Only the
 * first: a domain behind a filtering gateway (its primary MX) with a provider as backup is not that provider's.
 */
export function providerOfMx(hosts: readonly string[]): Provider {
  const host = (hosts[0] ?? "").toLowerCase().replace(/\.$/, "");
  const match = MX_SUFFIXES.filter(([suffix]) => endsWithSuffix(host, suffix)).sort((a, b) => b[0].length - a[0].length)[0];
  return match ? match[1] : "other";
}

/**
 * Domains that no mailbox provider holds and whose MX is never asked: the names reserved for documentation and tests
 * (RFC 2606, RFC 6761) and SES's mailbox simulator. They count as "other".
 */
export function isReservedDomain(domain: string): boolean {
  if (/(^|\.)example\.(com|net|org)$/.test(domain) || domain === "simulator.amazonses.com") return true;
  return /\.(test|example|invalid|localhost)$/.test(domain);
}

/** An MX answer's record data ("10 aspmx.l.google.com.") as hosts, most preferred first. */
export function mxHosts(records: readonly string[]): string[] {
  return records
    .map((data) => data.trim().split(/\s+/))
    .filter((parts) => parts.length === 2 && /^\d+$/.test(parts[0]!))
    .map(([priority, host]) => ({ priority: Number(priority), host: host! }))
    .sort((a, b) => a.priority - b.priority)
    .map((r) => r.host);
}
