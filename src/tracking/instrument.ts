// HTML instrumentation: tracked click links and one open pixel, streamed through the Workers HTMLRewriter.
//
// Only what tracking needs is changed: the href of each tracked <a>, the opt-out attributes, and one <img>
// before </body>. Everything else passes through as it came (HTMLRewriter re-emits untouched markup verbatim).
// One limit of HTMLRewriter: a start tag it changes is re-serialised, so the whitespace between that tag's
// attributes becomes one space; names, order, quoting and values of the other attributes are kept.

import { decodeHTMLAttribute } from "entities/decode";
import { HONEYPOT_LINK_INDEX, honeypotDestination, honeypotTag } from "./honeypot";
import type { KeyRing } from "../config/tracking-keys";
import { clickPath, pixelPath } from "./links";
import { TokenError } from "./token";
import { normalizeDestination } from "../domain/destination";
import { TokenPlaceholders } from "./token-placeholders";
import type { TrackSwitches } from "../domain/track-switches";

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

/** Any marker, ASCII case-insensitively: one scan per href, where lower-casing and twelve searches took five times as long. */
const PLACEHOLDER = new RegExp(PLACEHOLDER_MARKERS.map((marker) => marker.replace(/[$()*+.?[\\\]^{|}]/g, "\\$&")).join("|"), "i");

export function hasPlaceholder(href: string): boolean {
  return PLACEHOLDER.test(href);
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

/** An attribute-presence selector for `name` (the colon of `ses:no-track` escaped). */
const hasAttributeSelector = (name: string) => `[${name.replace(":", "\\:")}]`;
/** `a` elements carrying one of the opt-out attributes. */
const NO_TRACK_SELECTORS = NO_TRACK_ATTRIBUTES.map((name) => `a${hasAttributeSelector(name)}`);
/** `a` elements with an href and none of the opt-out attributes: the candidates for tracking. */
const TRACKABLE_LINK_SELECTOR = `a[href]${NO_TRACK_ATTRIBUTES.map((name) => `:not(${hasAttributeSelector(name)})`).join("")}`;

function removeNoTrackMarkers(el: Element): void {
  for (const name of NO_TRACK_ATTRIBUTES) el.removeAttribute(name);
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
 * Instrument an HTML body (the API and sending). The document streams through HTMLRewriter with synchronous handlers
 * that write a placeholder where each token goes; the tokens are sealed together once the rewrite is done and put in
 * place (./token-placeholders.ts says why).
 */
export async function instrumentHtml(html: string, options: InstrumentOptions): Promise<{ html: string; stats: InstrumentStats }> {
  const stats: InstrumentStats = { trackedLinks: 0, pixel: false, honeypot: false };
  const { origin, ring, campaignId, contact, messageId, track } = options;
  const tokens = new TokenPlaceholders(ring, { campaignId, contact, messageId }, [html, origin]);
  // Checked before the rewrite starts: a payload that cannot be a token fails the whole call here, as it always did.
  const pixel = track.opens ? pixelTag(origin + pixelPath(tokens.add("open"))) : null;
  const honeypot =
    track.clicks && track.honeypot
      ? honeypotTag(attributeText(origin + clickPath(tokens.add("click", { url: honeypotDestination(origin), linkIndex: HONEYPOT_LINK_INDEX }))))
      : null;
  const insertPixel = (put: (html: string) => void) => {
    if (pixel === null || stats.pixel) return;
    stats.pixel = true;
    put(pixel);
  };
  const insertHoneypot = (put: (html: string) => void) => {
    if (honeypot === null || stats.honeypot) return;
    stats.honeypot = true;
    put(honeypot);
  };

  // Which links are opted out is decided by the selectors, in the rewriter's own code: a JavaScript handler per link
  // costs several microseconds just to be called, so the opt-out markers are only touched where they are present.
  const rewriter = new HTMLRewriter();
  for (const selector of NO_TRACK_SELECTORS) rewriter.on(selector, { element: removeNoTrackMarkers });
  if (track.clicks) {
    rewriter.on(TRACKABLE_LINK_SELECTOR, {
      element: (el) => {
        // The last index belongs to the honeypot: a link past it (a message with 65,535 links) stays untracked.
        if (stats.trackedLinks >= HONEYPOT_LINK_INDEX) return;
        const url = trackableDestination(el.getAttribute("href")!);
        if (url === null) return;
        let placeholder: string;
        try {
          placeholder = tokens.add("click", { url, linkIndex: stats.trackedLinks });
        } catch (err) {
          // Too long or out of range for a token: the link still works, untracked.
          if (err instanceof TokenError) return;
          throw err;
        }
        stats.trackedLinks++;
        el.setAttribute("href", attributeText(origin + clickPath(placeholder)));
      },
    });
  }
  rewriter
    .on("body", {
      element: (el) => {
        // First in the body: scanners that follow only the first links of a message still reach it.
        insertHoneypot((tag) => el.prepend(tag, { html: true }));
        if (pixel === null) return;
        el.onEndTag((end) => insertPixel((tag) => end.before(tag, { html: true })));
      },
    })
    .onDocument({
      end: (end) => {
        insertHoneypot((tag) => end.append(tag, { html: true }));
        insertPixel((tag) => end.append(tag, { html: true }));
      },
    });

  const source = new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  const rewritten = await rewriter.transform(source).text();
  return { html: await tokens.fill(rewritten), stats };
}
