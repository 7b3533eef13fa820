// HTML answers: the security headers (hono/secure-headers) and the one "Link not found" page.

import { secureHeaders } from "hono/secure-headers";
import { LINK_NOT_FOUND_PAGE } from "../tracking/pages";

/**
 * The pages load nothing and run no script: their one style is inline, the unsubscribe form posts back to its own
 * URL, and no site may frame them (a framed unsubscribe button could be clicked by trickery). HSTS is left to the
 * zone's settings: a worker on one hostname must not decide it for the whole domain.
 */
export const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: "DENY",
  strictTransportSecurity: false,
});

const HTML_HEADERS = { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Robots-Tag": "noindex" };

export function htmlResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: HTML_HEADERS });
}

/** A click or unsubscribe token that does not verify, or a path that is not a route: never a redirect. */
export function linkNotFound(): Response {
  return htmlResponse(LINK_NOT_FOUND_PAGE, 404);
}
