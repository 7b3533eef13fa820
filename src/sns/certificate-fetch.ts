// Fetching SNS signing certificates: no redirects followed, bounded, cached per exact URL for the isolate's life;
// a failed fetch is remembered for a minute, so junk naming a certificate URL cannot make us fetch on every request.

import { PromiseCache } from "../lib/promise-cache";
import { BoundedMap } from "../lib/bounded-map";
import { SnsVerificationError } from "./verify";

/** A certificate is a couple of KB; anything much larger is not one. */
const MAX_CERTIFICATE_BYTES = 16 * 1024;

/** How long a failed certificate fetch is answered from memory before its URL is tried again. */
export const CERTIFICATE_FAILURE_TTL_MS = 60_000;
/** URLs whose failure is remembered; the oldest is forgotten first. Only guards memory. */
const MAX_REMEMBERED_FAILURES = 256;

async function download(fetcher: typeof fetch, url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetcher(url, { redirect: "manual", headers: { accept: "application/x-pem-file, text/plain" } });
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

export interface CertificateFetcherOptions {
  /** Default: the global fetch, looked up at each call. */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. Default Date.now. */
  now?: () => number;
}

/**
 * A `fetchCertificate` for verifySnsMessage: successes are kept for the isolate's life (per exact URL), a failure
 * is thrown again without a request until CERTIFICATE_FAILURE_TTL_MS has passed. Callers pass only URLs that
 * passed the URL rule.
 */
export function certificateFetcher(options: CertificateFetcherOptions = {}): (url: string, mayDownload?: () => boolean) => Promise<string> {
  const fetcher: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const certificates = new PromiseCache<string>(32);
  const failures = new BoundedMap<string, { until: number; error: SnsVerificationError }>(MAX_REMEMBERED_FAILURES);

  const remember = (url: string, err: unknown) => {
    const error = err instanceof SnsVerificationError ? err : new SnsVerificationError("certificate_unavailable", String(err));
    failures.set(url, { until: now() + CERTIFICATE_FAILURE_TTL_MS, error });
  };

  // mayDownload is asked only when the URL must be downloaded: a certificate held, or a failure remembered, costs nothing.
  return async (url, mayDownload = () => true) => {
    const failed = failures.get(url);
    if (failed && now() < failed.until) {
      throw new SnsVerificationError(
        failed.error.reason,
        `${failed.error.message} (failed less than ${CERTIFICATE_FAILURE_TTL_MS / 1000} s ago; not fetched again yet)`,
      );
    }
    failures.delete(url);
    return certificates.get(url, () => {
      // Not remembered as a failure: the URL may be SNS's own, to be fetched as soon as the budget allows.
      if (!mayDownload())
        throw new SnsVerificationError("certificate_budget_spent", "too many signing certificates fetched in the last minute; try again");
      return download(fetcher, url).catch((err: unknown) => {
        remember(url, err);
        throw err;
      });
    });
  };
}

/** The production `fetchCertificate`: one per isolate. */
export const fetchSnsCertificate = certificateFetcher();
