// The security headers of the dashboard's answers (hono/secure-headers): its own Content-Security-Policy, since its
// pages run this origin's script and stylesheet where every other page of the worker runs none (routes/html.ts).

import { secureHeaders } from "hono/secure-headers";

/**
 * Only this origin's script and stylesheet (no inline script or style, no eval), data only from this origin, no
 * framing, forms only back here. The browser files are served by Static Assets with their own headers (web/public/_headers).
 */
export const dashboardHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  // Not no-referrer: with it, browsers send `Origin: null` on the pages' own form posts, which the Origin check refuses.
  // Same-origin requests carry the referrer; nothing leaves for another site (contact lookups have an address in the URL).
  referrerPolicy: "same-origin",
  xFrameOptions: "DENY",
  // As for the rest of the worker: HSTS is the zone's to decide.
  strictTransportSecurity: false,
});

/** Pages and data are per session: never kept by a shared cache, never indexed. */
export const DASHBOARD_CACHE_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex",
};
