// HTML instrumentation: tracked click links and one open pixel, streamed through the Workers HTMLRewriter.
//
// Only what tracking needs is changed: the href of each tracked <a>, the opt-out attributes, and one <img>
// before </body>. Everything else passes through as it came (HTMLRewriter re-emits untouched markup verbatim).
// One limit of HTMLRewriter: a start tag it changes is re-serialised, so the whitespace between that tag's
// attributes becomes one space; names, order, quoting and values of the other attributes are kept.

import { decodeHTMLAttribute } from "entities/decode";
import { HONEYPOT_LINK_INDEX, honeypotDestination, honeypotTag } from "./honeypot";
import type { KeyRing } from "./keys";
import { clickPath, pixelPath } from "./links";
import { normalizeDestination, signToken, TokenError } from "./token";

export interface TrackSwitches {
  opens: boolean;
  clicks: boolean;
  /** One hidden honeypot link (./honeypot.ts); only ever added when clicks are tracked. */
  honeypot: boolean;
}

export interface InstrumentOptions {
  /** scheme://host[:port] of the tracking deployment, no trailing slash. */
  origin: string;
  ring: KeyRing;
  campaignId: string;
  /** The recipient's address, as it is carried in the tokens. */
  contact: string;
  messageId?: string;
  track: TrackSwitches;
}

/** Attributes that keep a link untracked; both are removed from the output. `ses:no-track` is SES's own. */
export const NO_TRACK_ATTRIBUTES = ["data-no-track", "ses:no-track"] as const;

/**
 * Markers of template placeholders that an ESP or template engine fills in after us: a signed link would freeze
 * them into the token, so such links are left alone. Handlebars/Mustache/Liquid/SES templates `{{ }}`, Liquid and
 * Jinja tags `{% %}`, Mailchimp merge tags `*| |*`, Salesforce/ExactTarget `%% %%`, FreeMarker/JS `${ }`, ERB/ASP
 * `<% %>`, and `{{` as an editor may have percent-encoded it.
 */
export const PLACEHOLDER_MARKERS = ["{{", "}}", "{%", "%}", "*|", "|*", "%%", "${", "<%", "%>", "%7b%7b", "%7d%7d"] as const;

export function hasPlaceholder(href: string): boolean {
  const lower = href.toLowerCase();
  return PLACEHOLDER_MARKERS.some((marker) => lower.includes(marker));
}

/**
 * The destination a raw href value names, or null when the link must not be tracked (mailto:, tel:, #fragment,
 * relative, placeholders, any other scheme). The value is decoded as HTML attribute text first (`&amp;` → `&`),
 * the way a mail client reads it.
 */
export function trackableDestination(rawHref: string): string | null {
  if (hasPlaceholder(rawHref)) return null;
  const decoded = decodeHTMLAttribute(rawHref);
  if (hasPlaceholder(decoded)) return null;
  return normalizeDestination(decoded.trim());
}

/** Attribute text for a value HTMLRewriter writes between double quotes (it escapes `"` itself, not `&`). */
function attributeText(value: string): string {
  return value.replace(/&/g, "&amp;");
}

/** The open pixel: 1x1, empty alt, no border; kept in the layout (display:none may stop clients loading it). */
export function pixelTag(src: string): string {
  return `<img src="${attributeText(src).replace(/"/g, "&quot;")}" width="1" height="1" alt="" border="0" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0;overflow:hidden" />`;
}

export interface InstrumentStats {
  /** Links rewritten to click URLs, in document order (their link index is their position here). */
  trackedLinks: number;
  pixel: boolean;
  /** Whether the hidden honeypot link was added (it is not among trackedLinks). */
  honeypot: boolean;
}

/**
 * Instrument an HTML body as a stream: the returned response's body is the instrumented HTML, produced as the
 * input is read. `stats` is complete once the body has been read to the end.
 */
export function instrumentResponse(input: Response, options: InstrumentOptions): { response: Response; stats: InstrumentStats } {
  const stats: InstrumentStats = { trackedLinks: 0, pixel: false, honeypot: false };
  const { origin, ring, campaignId, contact, messageId, track } = options;
  const pixelPromise = track.opens ? signToken({ kind: "open", campaignId, contact, messageId }, ring) : null;
  const insertPixel = async (put: (html: string) => void) => {
    if (!pixelPromise || stats.pixel) return;
    stats.pixel = true;
    put(pixelTag(origin + pixelPath(await pixelPromise)));
  };
  const honeypotPromise =
    track.clicks && track.honeypot
      ? signToken({ kind: "click", campaignId, contact, messageId, url: honeypotDestination(origin), linkIndex: HONEYPOT_LINK_INDEX }, ring)
      : null;
  const insertHoneypot = async (put: (html: string) => void) => {
    if (!honeypotPromise || stats.honeypot) return;
    stats.honeypot = true;
    put(honeypotTag(attributeText(origin + clickPath(await honeypotPromise))));
  };

  const rewriter = new HTMLRewriter()
    .on("a", {
      element: async (el) => {
        let optedOut = false;
        for (const name of NO_TRACK_ATTRIBUTES) {
          if (el.hasAttribute(name)) {
            el.removeAttribute(name);
            optedOut = true;
          }
        }
        // The last index belongs to the honeypot: a link past it (a message with 65,535 links) stays untracked.
        if (optedOut || !track.clicks || stats.trackedLinks >= HONEYPOT_LINK_INDEX) return;
        const href = el.getAttribute("href");
        if (href === null) return;
        const url = trackableDestination(href);
        if (url === null) return;
        let token: string;
        try {
          token = await signToken({ kind: "click", campaignId, contact, messageId, url, linkIndex: stats.trackedLinks }, ring);
        } catch (err) {
          // Too long or out of range for a token: the link still works, untracked.
          if (err instanceof TokenError) return;
          throw err;
        }
        stats.trackedLinks++;
        el.setAttribute("href", attributeText(origin + clickPath(token)));
      },
    })
    .on("body", {
      element: async (el) => {
        // First in the body: scanners that follow only the first links of a message still reach it.
        await insertHoneypot((html) => el.prepend(html, { html: true }));
        if (!pixelPromise) return;
        el.onEndTag(async (end) => insertPixel((html) => end.before(html, { html: true })));
      },
    })
    .onDocument({
      end: async (end) => {
        await insertHoneypot((html) => end.append(html, { html: true }));
        await insertPixel((html) => end.append(html, { html: true }));
      },
    });

  const source = new Response(input.body, { headers: { "content-type": "text/html; charset=utf-8" } });
  return { response: rewriter.transform(source), stats };
}

/** Instrument a whole HTML string (the API and sending); the work itself still streams through HTMLRewriter. */
export async function instrumentHtml(html: string, options: InstrumentOptions): Promise<{ html: string; stats: InstrumentStats }> {
  const { response, stats } = instrumentResponse(new Response(html), options);
  return { html: await response.text(), stats };
}
