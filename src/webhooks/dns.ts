// What a webhook host name resolves to, asked over DNS-over-HTTPS (Workers cannot resolve names themselves).
//
// A check at creation time only: a name can be pointed elsewhere later (DNS rebinding). What stops a webhook from
// reaching a private network after that is the platform: fetch() from a Worker goes out to the public Internet and
// cannot reach private or loopback addresses of Cloudflare's or anyone's network.

import { fail, type Failure } from "../domain/result";
import { dohQuery, type DohAnswer } from "../lib/doh";
import { nonPublicRange } from "./url-policy";

const DOH_TIMEOUT_MS = 5000;
/** DNS record types in the JSON answer: A and AAAA. */
const ADDRESS_TYPES: Record<number, "A" | "AAAA"> = { 1: "A", 28: "AAAA" };

export type ResolveVerdict =
  | { ok: true; addresses: string[] }
  /** The name is refused: it does not resolve, or resolves to a non-public address. */
  | Failure
  /** The resolver could not answer; asking again later may work. */
  | (Failure & { unavailable: true });

function query(host: string, type: "A" | "AAAA", fetcher: typeof fetch): Promise<DohAnswer> {
  return dohQuery(host, type, DOH_TIMEOUT_MS, fetcher);
}

/** Every A and AAAA address of `host` must be public; NXDOMAIN or no address at all is refused too. */
export async function resolvePublic(host: string, fetcher: typeof fetch = fetch): Promise<ResolveVerdict> {
  let answers: DohAnswer[];
  try {
    answers = await Promise.all([query(host, "A", fetcher), query(host, "AAAA", fetcher)]);
  } catch (err) {
    return { ok: false, unavailable: true, reason: `could not resolve ${host}: ${String(err)}` };
  }
  // RCODE 3: the name does not exist. Any other failure (SERVFAIL...) may pass on a later try.
  if (answers.some((a) => a.Status === 3)) return fail(`${host} does not resolve (NXDOMAIN)`);
  const failed = answers.find((a) => a.Status !== 0);
  if (failed) return { ok: false, unavailable: true, reason: `could not resolve ${host} (DNS status ${failed.Status})` };
  const addresses = answers.flatMap((a) =>
    (a.Answer ?? []).filter((r) => ADDRESS_TYPES[r.type ?? 0] && typeof r.data === "string").map((r) => r.data!),
  );
  if (addresses.length === 0) return fail(`${host} has no A or AAAA record`);
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) return fail(`${host} resolves to ${address}, a ${range} address`);
  }
  return { ok: true, addresses };
}
