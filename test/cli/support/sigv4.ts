// An independent SigV4 check for the fake AWS: the Authorization header's shape, then the signature recomputed.

import { createHash, createHmac } from "node:crypto";

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ExpectedSigner {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding, as SigV4 wants it (unreserved characters only left as they are). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(req: SignedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** The problems with this request's signature; empty when it is a valid SigV4 signature by `expected`. */
export function sigV4Problems(req: SignedRequest, expected: ExpectedSigner): string[] {
  const auth = header(req, "authorization") ?? "";
  const m = AUTH.exec(auth);
  if (!m) return [`Authorization header is not SigV4-shaped: ${JSON.stringify(auth)}`];
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const problems: string[] = [];
  const amzDate = header(req, "x-amz-date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) problems.push(`x-amz-date ${JSON.stringify(amzDate)} is not yyyymmddThhmmssZ`);
  if (keyId !== expected.accessKeyId) problems.push(`credential key ${keyId}, expected ${expected.accessKeyId}`);
  if (date !== amzDate.slice(0, 8)) problems.push(`credential date ${date} is not x-amz-date's ${amzDate.slice(0, 8)}`);
  if (region !== expected.region) problems.push(`credential region ${region}, expected ${expected.region}`);
  if (service !== expected.service) problems.push(`credential service ${service}, expected ${expected.service}`);
  const signed = signedHeaders!.split(";");
  for (const required of ["host", "x-amz-date", ...(expected.sessionToken ? ["x-amz-security-token"] : [])]) {
    if (!signed.includes(required)) problems.push(`${required} is not among the signed headers (${signedHeaders})`);
  }
  if (expected.sessionToken && header(req, "x-amz-security-token") !== expected.sessionToken) {
    problems.push("x-amz-security-token is not the session token");
  }
  if (problems.length > 0) return problems;

  // Non-S3 services sign each path segment encoded once more, and the query sorted by encoded key.
  const [rawPath, rawQuery = ""] = req.url.split("?", 2) as [string, string?];
  const canonicalPath = rawPath
    .split("/")
    .map((segment) => rfc3986(decodeURIComponent(segment)).replace(/%/g, "%25"))
    .join("/");
  const canonicalQuery = [...new URLSearchParams(rawQuery)]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signed.map((name) => `${name}:${(header(req, name) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [req.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256(req.body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${expected.secretAccessKey}`, date!), region!), service!), "aws4_request");
  const recomputed = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return recomputed === signature ? [] : [`signature does not match the request (canonical request:\n${canonicalRequest})`];
}
