// Webhook settings read from the environment (moves into src/config.ts with the configuration module).

import type { UrlPolicy } from "./url-policy";

/** WEBHOOKS_ALLOW_LOCAL_HTTP: only the exact value "true" opens plain http to the loopback (local runs, tests). */
export function webhookUrlPolicy(env: Pick<Env, "WEBHOOKS_ALLOW_LOCAL_HTTP">): UrlPolicy {
  return { allowLocalHttp: env.WEBHOOKS_ALLOW_LOCAL_HTTP === "true" };
}
