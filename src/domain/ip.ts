// Client IP addresses as they are stored: the network, not the host (IPv4 /24, IPv6 /48), unless configured otherwise.

import ipaddr from "ipaddr.js";

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The address's network: `a.b.c.0` for IPv4 (and IPv4-mapped IPv6), the first 48 bits then `::` for IPv6. Null when
 * absent or not an address, so that nothing unparsed (possibly a whole address in another spelling) is ever kept.
 */
export function ipNetwork(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const text = ip.trim();
  if (!text.includes(":")) return ipv4Network(text);
  let address: ipaddr.IPv6;
  try {
    address = ipaddr.IPv6.parse(text);
  } catch {
    return null;
  }
  if (address.isIPv4MappedAddress()) return ipv4Network(address.toIPv4Address().toString());
  const [p0, p1, p2] = address.parts;
  return new ipaddr.IPv6([p0!, p1!, p2!, 0, 0, 0, 0, 0]).toString();
}

/** Only the four-part decimal form (what Cloudflare sends); the shorthand forms inet_aton accepts are refused. */
function ipv4Network(text: string): string | null {
  const quad = DOTTED_QUAD.exec(text);
  if (!quad) return null;
  const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
  return Math.max(a, b, c, d) <= 255 ? `${a}.${b}.${c}.0` : null;
}

/** What storage keeps of a client address: its network by default, the whole address only when configured to. */
export function storedIp(ip: string | null | undefined, storeFullIp: boolean): string | null {
  return storeFullIp ? (ip ?? null) : ipNetwork(ip);
}
