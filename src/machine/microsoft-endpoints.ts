// Microsoft's Exchange Online Protection ranges from the Microsoft 365 endpoints web service, for the list refresh.
//
// Source: https://endpoints.office.com/endpoints/worldwide?clientrequestid=<GUID> ("Microsoft 365 IP Address and URL
// web service", learn.microsoft.com/microsoft-365/enterprise/microsoft-365-ip-web-service). The answer is a JSON array
// of endpoint sets `{ id, serviceArea, urls, ips, tcpPorts, … }`; Exchange Online Protection, where Safe Links and
// delivery-time detonation run, is the Exchange sets for `*.protection.outlook.com` and `*.mail.protection.outlook.com`
// (ids 9 and 10 today; chosen by name, not id). Only a whole, plausible answer is used.
import { parseCidr } from "./ranges.ts";

const EOP_HOSTS = ["*.protection.outlook.com", "*.mail.protection.outlook.com"];
/** Shorter prefixes than these are not a mail-filtering network, whatever the answer says. */
const MIN_PREFIX = { v4: 8, v6: 16 } as const;

export class EndpointsFormatError extends Error {
  override readonly name = "EndpointsFormatError";
}

interface EndpointSet {
  serviceArea?: unknown;
  urls?: unknown;
  ips?: unknown;
}

function isEop(set: EndpointSet): boolean {
  return set.serviceArea === "Exchange" && Array.isArray(set.urls) && set.urls.some((u) => EOP_HOSTS.includes(String(u)));
}

/** The EOP CIDRs of an endpoints answer (as text); throws EndpointsFormatError for anything implausible. */
export function eopRangesFromEndpoints(text: string): string[] {
  let sets: unknown;
  try {
    sets = JSON.parse(text);
  } catch {
    throw new EndpointsFormatError("the endpoints answer is not JSON");
  }
  if (!Array.isArray(sets)) throw new EndpointsFormatError("the endpoints answer is not a list of endpoint sets");
  const cidrs = new Set<string>();
  for (const set of sets as EndpointSet[]) {
    if (typeof set !== "object" || set === null || !isEop(set)) continue;
    if (!Array.isArray(set.ips)) continue;
    for (const ip of set.ips) {
      const text = String(ip);
      const range = parseCidr(text);
      const prefix = Number(text.split("/")[1]);
      if (!range || !text.includes("/") || prefix < (range.family === 4 ? MIN_PREFIX.v4 : MIN_PREFIX.v6)) {
        throw new EndpointsFormatError(`not a plausible EOP range: ${text.slice(0, 60)}`);
      }
      cidrs.add(text);
    }
  }
  if (![...cidrs].some((c) => !c.includes(":"))) throw new EndpointsFormatError("the endpoints answer names no IPv4 EOP range");
  return [...cidrs];
}
