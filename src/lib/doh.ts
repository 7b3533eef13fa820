// DNS over HTTPS (JSON API): Workers cannot resolve names themselves, so every lookup is a fetch to a resolver.

export const DOH_ENDPOINT = "https://cloudflare-dns.com/dns-query";

/** The resolver's JSON answer: Status is the DNS RCODE (0 NOERROR, 3 NXDOMAIN), Answer the records. */
export interface DohAnswer {
  Status?: number;
  Answer?: Array<{ type?: number; data?: string }>;
}

/** One question to the resolver; throws on a non-2xx answer or when `timeoutMs` passes. */
export async function dohQuery(name: string, type: string, timeoutMs: number, fetcher: typeof fetch = fetch): Promise<DohAnswer> {
  const url = `${DOH_ENDPOINT}?name=${encodeURIComponent(name)}&type=${type}`;
  const res = await fetcher(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`DNS-over-HTTPS answered ${res.status}`);
  return (await res.json()) as DohAnswer;
}
