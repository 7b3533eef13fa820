// The security headers of every dashboard answer the worker makes: a strict Content-Security-Policy and friends.

/**
 * Only this origin's script and stylesheet (no inline script or style, no eval), data only from this origin, no
 * framing, forms only back here. The browser files are served by Static Assets with their own headers (web/public/_headers).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // Not "no-referrer": browsers then send `Origin: null` on the page's own form posts, which the Origin check refuses.
  // Same-origin requests carry the referrer; nothing leaves for another site (contact lookups have an address in the URL).
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  // Pages and data are per session: never kept by a shared cache or the browser's back-forward store of another user.
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex",
};
