// Where minted links point: the configured tracking origin, else the origin the request reached.

import type { TrackingConfig } from "../config/config";

export function trackingOrigin(tracking: TrackingConfig, requestUrl: string): string {
  return tracking.origin ?? new URL(requestUrl).origin;
}
