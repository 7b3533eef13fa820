// Where minted links point: the configured tracking origin, else the origin the request reached.

export function trackingOrigin(env: Env, requestUrl: string): string {
  return (env.TRACKING_ORIGIN || new URL(requestUrl).origin).replace(/\/+$/, "");
}
