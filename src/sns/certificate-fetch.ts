// Fetching SNS signing certificates: no redirects followed, bounded, cached per exact URL for the isolate's life.

import { PromiseCache } from "./promise-cache";
import { SnsVerificationError } from "./verify";

/** A certificate is a couple of KB; anything much larger is not one. */
const MAX_CERTIFICATE_BYTES = 16 * 1024;

const certificates = new PromiseCache<string>(32);

async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "manual", headers: { accept: "application/x-pem-file, text/plain" } });
  } catch (err) {
    throw new SnsVerificationError("certificate_unavailable", `fetching the signing certificate failed: ${String(err)}`);
  }
  if (res.status >= 500 || res.status === 429) {
    await res.body?.cancel();
    throw new SnsVerificationError("certificate_unavailable", `the certificate host answered ${res.status}`);
  }
  if (res.status !== 200) {
    // A redirect is never followed: the certificate must come from the pinned URL itself.
    await res.body?.cancel();
    throw new SnsVerificationError("certificate_refused", `the certificate host answered ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_CERTIFICATE_BYTES) {
    await res.body?.cancel();
    throw new SnsVerificationError("invalid_certificate", "the certificate is too large");
  }
  const text = await res.text();
  if (text.length > MAX_CERTIFICATE_BYTES) throw new SnsVerificationError("invalid_certificate", "the certificate is too large");
  return text;
}

/** The production `fetchCertificate` for verifySnsMessage. Callers pass only URLs that passed the URL rule. */
export function fetchSnsCertificate(url: string): Promise<string> {
  return certificates.get(url, () => download(url));
}
