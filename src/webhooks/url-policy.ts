// Which webhook URLs are accepted: https only, no credentials, no private, loopback or link-local targets.
//
// Pure: the DNS half of the check (what a name resolves to) is in dns.ts; this module says whether a name needs it.

import ipaddr from "ipaddr.js";
import { fail, type Failure } from "../domain/result";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface UrlPolicy {
  /** WEBHOOKS_ALLOW_LOCAL_HTTP: plain http to the loopback, and no DNS check (local runs and tests only). */
  allowLocalHttp: boolean;
}

export type UrlVerdict =
  /** `resolve`: the host name whose addresses must still be checked (null: an IP literal, or a local run). */
  { ok: true; url: string; resolve: string | null } | Failure;

/** The address with IPv4-mapped IPv6 unwrapped, or null when `host` is not an IP literal. */
function ipLiteral(host: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

/**
 * The deprecated IPv4-compatible IPv6 range (RFC 4291 2.5.5.1): `[::127.0.0.1]` is `[::7f00:1]`, which ipaddr.js calls
 * plain unicast (it unwraps only the IPv4-mapped `::ffff:` form). Nothing public lives there; it is refused whole.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/** ipaddr.js's range name, with the IPv4-compatible range named too. */
function rangeOf(ip: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = ip.range();
  if (range === "unicast" && ip.kind() === "ipv6" && (ip as ipaddr.IPv6).match(IPV4_COMPATIBLE)) return "IPv4-compatible IPv6";
  return range;
}

/**
 * The special range an address is in ("private", "loopback", "linkLocal", "uniqueLocal", ...), or null when it is a
 * public unicast address. Anything not plainly public is refused: 6to4 and NAT64 forms can embed private IPv4s.
 */
export function nonPublicRange(address: string): string | null {
  const ip = ipaddr.isValid(address) ? ipaddr.process(address) : null;
  if (!ip) return "invalid";
  const range = rangeOf(ip);
  return range === "unicast" ? null : range;
}

function isLoopbackName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return fail(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("must be an absolute URL");
  }
  if (url.username || url.password) return fail("must not carry credentials (use the signature to authenticate)");
  if (url.hash) return fail("must not have a #fragment");
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const ip = ipLiteral(host);
  const loopback = ip ? rangeOf(ip) === "loopback" : isLoopbackName(host);
  const local = policy.allowLocalHttp && loopback;
  if (url.protocol === "http:" && !local) {
    return fail(policy.allowLocalHttp ? "must be https (plain http only to 127.0.0.1, [::1] or localhost)" : "must be https");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail("must be https");
  if (local) return { ok: true, url: url.href, resolve: null };
  if (ip) {
    const range = rangeOf(ip);
    return range === "unicast" ? { ok: true, url: url.href, resolve: null } : fail(`must not point to a ${range} address`);
  }
  if (loopback) return fail("must not point to localhost");
  if (!host.includes(".")) return fail("must name a public host (a fully qualified domain name)");
  return { ok: true, url: url.href, resolve: policy.allowLocalHttp ? null : host };
}
