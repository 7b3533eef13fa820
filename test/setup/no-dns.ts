// Tests never ask a real resolver for MX records: such questions are answered NXDOMAIN unless a test stubs them
// (test/support/doh.ts), so a recipient at an unlisted domain counts as "other" without leaving the machine.
const realFetch = globalThis.fetch;

globalThis.fetch = function noRealMx(input: RequestInfo | URL, init?: RequestInit) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.hostname === "cloudflare-dns.com" && url.searchParams.get("type") === "MX") return Promise.resolve(Response.json({ Status: 3 }));
  return realFetch(input, init);
} as typeof fetch;
