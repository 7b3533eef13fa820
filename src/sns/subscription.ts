// Acting on a verified SubscriptionConfirmation: fetch its SubscribeURL only when it is exactly SNS's own.

import { trustedSubscribeUrl } from "./trusted-urls";
import type { SnsSubscriptionConfirmation } from "./verify";

export type ConfirmationOutcome =
  | { outcome: "confirmed" }
  /** The URL broke the rule: no request was made. */
  | { outcome: "refused" }
  /** SNS answered with something else than 200; `retryable` when trying later may help. */
  | { outcome: "failed"; status: number | null; retryable: boolean };

export async function confirmSubscription(message: SnsSubscriptionConfirmation, fetcher: typeof fetch = fetch): Promise<ConfirmationOutcome> {
  const url = trustedSubscribeUrl(message.SubscribeURL, message.TopicArn, message.Token);
  if (!url) return { outcome: "refused" };
  let res: Response;
  try {
    res = await fetcher(url.href, { redirect: "manual" });
  } catch {
    return { outcome: "failed", status: null, retryable: true };
  }
  await res.body?.cancel();
  if (res.status === 200) return { outcome: "confirmed" };
  return { outcome: "failed", status: res.status, retryable: res.status >= 500 || res.status === 429 };
}
