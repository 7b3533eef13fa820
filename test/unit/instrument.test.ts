// HTML instrumentation: tracked links decode to their destinations, everything else is left byte for byte.
import { env } from "cloudflare:workers";
import { decodeHTMLAttribute } from "entities/decode";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import newsletter from "../fixtures/newsletter.html?raw";
import { hasPlaceholder, instrumentHtml, PLACEHOLDER_MARKERS, type InstrumentOptions } from "../../src/tracking/instrument";
import type { TrackSwitches } from "../../src/domain/track-switches";
import { keyRing } from "../../src/config/tracking-keys";
import { TokenError, verifyToken, type TokenPayload } from "../../src/tracking/token";
import { ORIGIN } from "../support/helpers";

/** Opens and clicks on; the honeypot link off unless a test asks for it (it has its own tests below). */
async function options(track: Partial<TrackSwitches> = {}): Promise<InstrumentOptions> {
  return {
    origin: ORIGIN,
    ring: await keyRing(env.TRACKING_KEYS),
    campaignId: "nl-42",
    contact: "Ann@Example.com",
    track: { opens: true, clicks: true, honeypot: false, ...track },
  };
}

const CLICK_HREF = new RegExp(`href="${ORIGIN}/c/([A-Za-z0-9_-]+)"`, "gi");
const PIXEL = new RegExp(`<img src="${ORIGIN}/o/([A-Za-z0-9_-]+)\\.gif" width="1" height="1" alt="" border="0" style="[^"]*" />`, "g");

async function payload(token: string): Promise<TokenPayload> {
  const result = await verifyToken(token, await keyRing(env.TRACKING_KEYS));
  if (!result.ok) throw new Error(`token does not verify: ${result.reason}`);
  return result.payload;
}

async function clickPayloads(html: string): Promise<TokenPayload[]> {
  return Promise.all([...html.matchAll(CLICK_HREF)].map((m) => payload(m[1]!)));
}

describe("instrumentHtml on small documents", () => {
  it("rewrites http(s) links to signed click URLs with their index, and adds one pixel before </body>", async () => {
    const input = `<html><body><p>Hi <a href="https://a.example/x?y=1&amp;z=2">one</a> <a href="http://b.example/">two</a></p></body></html>`;
    const { html, stats } = await instrumentHtml(input, await options());
    const clicks = await clickPayloads(html);
    expect(clicks.map((p) => [p.url, p.linkIndex, p.campaignId, p.contact])).toEqual([
      ["https://a.example/x?y=1&z=2", 0, "nl-42", "Ann@Example.com"],
      ["http://b.example/", 1, "nl-42", "Ann@Example.com"],
    ]);
    const pixels = [...html.matchAll(PIXEL)];
    expect(pixels).toHaveLength(1);
    expect((await payload(pixels[0]![1]!)).kind).toBe("open");
    expect(html.endsWith(`${pixels[0]![0]}</body></html>`)).toBe(true);
    expect(stats).toEqual({ trackedLinks: 2, pixel: true, honeypot: false });
  });

  it("leaves mailto, tel, fragment, relative, other schemes and placeholders exactly as they were", async () => {
    const untouched = [
      `<a href="mailto:a@example.com?subject=Hi&amp;body=x">m</a>`,
      `<a href="tel:+15551234">t</a>`,
      `<a href="#top">f</a>`,
      `<a href="/relative">r</a>`,
      `<a href="javascript:alert(1)">j</a>`,
      `<a href="sms:+1555">s</a>`,
      `<a href="{{unsubscribe_url}}">h</a>`,
      `<a href="https://x.example/?u={{id}}">h2</a>`,
      `<a href="*|ARCHIVE|*">mc</a>`,
      `<a href="%%view_email_url%%">sf</a>`,
      `<a href="https://x.example/{% if a %}b{% endif %}">liquid</a>`,
      `<a href="https://x.example/?u=\${user}">fm</a>`,
      `<a href="https://x.example/r/%7B%7Bid%7D%7D">encoded</a>`,
      `<a name="anchor">no href</a>`,
      `<a href="">empty</a>`,
    ].join("\n");
    const { html, stats } = await instrumentHtml(`<body>${untouched}</body>`, await options());
    expect(stats.trackedLinks).toBe(0);
    expect(html.replace(PIXEL, "")).toBe(`<body>${untouched}</body>`);
  });

  it("leaves opted-out links as they were, minus the opt-out attribute, and does not count them", async () => {
    const input = `<body><a href="https://a.example/" data-no-track class="x">a</a><a href="https://b.example/" ses:no-track="">b</a><a href="https://c.example/">c</a></body>`;
    const { html } = await instrumentHtml(input, await options({ opens: false, clicks: true }));
    expect(html.startsWith(`<body><a href="https://a.example/" class="x">a</a><a href="https://b.example/">b</a><a href="${ORIGIN}/c/`)).toBe(true);
    expect((await clickPayloads(html)).map((p) => [p.url, p.linkIndex])).toEqual([["https://c.example/", 0]]);
  });

  it("removes opt-out attributes even when click tracking is off", async () => {
    const input = `<a href="https://a.example/" data-no-track>a</a><a href="https://b.example/">b</a>`;
    const { html } = await instrumentHtml(input, await options({ opens: false, clicks: false }));
    expect(html).toBe(`<a href="https://a.example/">a</a><a href="https://b.example/">b</a>`);
  });

  it("turns opens and clicks off independently", async () => {
    const input = `<html><body><a href="https://a.example/">a</a></body></html>`;
    const noOpens = (await instrumentHtml(input, await options({ opens: false, clicks: true }))).html;
    expect(noOpens.match(PIXEL)).toBeNull();
    expect(await clickPayloads(noOpens)).toHaveLength(1);
    const noClicks = (await instrumentHtml(input, await options({ opens: true, clicks: false }))).html;
    expect(noClicks.match(CLICK_HREF)).toBeNull();
    expect(noClicks.match(PIXEL)).toHaveLength(1);
    expect((await instrumentHtml(input, await options({ opens: false, clicks: false }))).html).toBe(input);
  });

  it("puts the pixel at the end when there is no </body>", async () => {
    const { html } = await instrumentHtml(`<p>fragment <a href="#x">x</a></p>`, await options());
    const pixel = [...html.matchAll(PIXEL)];
    expect(pixel).toHaveLength(1);
    expect(html).toBe(`<p>fragment <a href="#x">x</a></p>${pixel[0]![0]}`);
  });

  it("decodes entities in hrefs for the destination and writes the new href escaped", async () => {
    const input = `<a href="https://a.example/s?q=&quot;linen&quot;&amp;x=&lt;1&gt;&#38;y=&#x26;">q</a>`;
    const { html } = await instrumentHtml(input, await options({ opens: false, clicks: true }));
    const [click] = await clickPayloads(html);
    expect(click!.url).toBe(new URL(`https://a.example/s?q="linen"&x=<1>&y=&`).href);
  });

  it("keeps attribute order, names and quoting of a rewritten tag; only whitespace between them becomes one space", async () => {
    const input = `<A CLASS='btn'\n   HREF=https://a.example/ data-x="1"   target="_blank">go</A>`;
    const { html } = await instrumentHtml(input, await options({ opens: false, clicks: true }));
    const written = html.replace(new RegExp(`HREF="${ORIGIN}/c/[A-Za-z0-9_-]+"`), 'HREF="T"');
    expect(written).toBe(`<A CLASS='btn' HREF="T" data-x="1" target="_blank">go</A>`);
  });

  it("finds a placeholder marker in any letter case, exactly where lower-casing the href would (seeded)", () => {
    const lowerCased = (href: string) => PLACEHOLDER_MARKERS.some((marker) => href.toLowerCase().includes(marker));
    // Marker characters in both cases, and characters whose lower case is not what it seems (İ, K as the Kelvin sign).
    const unit = fc.constantFrom(..."{}%*|$<>7bBdDa /İ\u212Aé");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (href) => {
        expect(hasPlaceholder(href)).toBe(lowerCased(href));
      }),
      { seed: 1212, numRuns: 5000 },
    );
    for (const href of ["https://x.example/?u=%7B%7Bid%7D%7D", "https://x.example/?u=%7b%7bid", "https://x.example/%7b/%7b"]) {
      expect(hasPlaceholder(href), href).toBe(lowerCased(href));
    }
  });

  it("fails when the open pixel cannot be signed, and leaves links untracked when clicks cannot be", async () => {
    const input = `<body><a href="https://a.example/" data-no-track>a</a><a href="https://b.example/">b</a></body>`;
    const tooLong = { ...(await options()), campaignId: "c".repeat(256) };
    await expect(instrumentHtml(input, tooLong)).rejects.toThrow(TokenError);
    const { html, stats } = await instrumentHtml(input, { ...tooLong, track: { opens: false, clicks: true, honeypot: false } });
    expect(html).toBe(`<body><a href="https://a.example/">a</a><a href="https://b.example/">b</a></body>`);
    expect(stats).toEqual({ trackedLinks: 0, pixel: false, honeypot: false });
  });

  it("leaves a link untracked when its destination is too long for a token", async () => {
    const long = `https://a.example/${"x".repeat(5000)}`;
    const input = `<a href="${long}">long</a>`;
    const { html, stats } = await instrumentHtml(input, await options({ opens: false, clicks: true }));
    expect(html).toBe(input);
    expect(stats.trackedLinks).toBe(0);
  });
});

// The fixture's <a> start tags, outside comments, in document order, with the href attribute as written.
interface AnchorTag {
  start: number;
  tag: string;
  hrefAttr: string | null;
  rawHref: string | null;
}

function anchorTags(html: string): AnchorTag[] {
  const out: AnchorTag[] = [];
  for (const m of html.matchAll(/<!--[\s\S]*?-->|<a\b[^>]*>/gi)) {
    if (m[0].startsWith("<!--")) continue;
    const href = /\shref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[0]);
    out.push({ start: m.index!, tag: m[0], hrefAttr: href ? href[0] : null, rawHref: href ? (href[2] ?? href[3] ?? href[4]!) : null });
  }
  return out;
}

/** An independent statement of the rule, for the fixture: absolute http(s), no placeholder, not opted out. */
function shouldTrack(a: AnchorTag): boolean {
  if (a.rawHref === null || /\s(data-no-track|ses:no-track)\b/i.test(a.tag)) return false;
  const decoded = decodeHTMLAttribute(a.rawHref).trim();
  if (/\{\{|\{%|\*\||%%|%7B%7B/i.test(decoded)) return false;
  return /^https?:\/\//i.test(decoded);
}

describe("instrumenting a ~100 KB newsletter", () => {
  it("tracks every http(s) link, keeps every other byte, and adds one pixel", async () => {
    expect(newsletter.length).toBeGreaterThan(95_000);
    const anchors = anchorTags(newsletter);
    const tracked = anchors.filter(shouldTrack);
    expect(tracked.length).toBeGreaterThan(150);
    expect(anchors.length - tracked.length).toBeGreaterThan(10);

    const { html, stats } = await instrumentHtml(newsletter, await options());
    expect(stats).toEqual({ trackedLinks: tracked.length, pixel: true, honeypot: false });

    // Every tracked link decodes to its original destination, in order, with its index.
    const clicks = await clickPayloads(html);
    expect(clicks.map((p) => p.url)).toEqual(tracked.map((a) => new URL(decodeHTMLAttribute(a.rawHref!).trim()).href));
    expect(clicks.map((p) => p.linkIndex)).toEqual(tracked.map((_, i) => i));

    // Expected output: the input with each tracked href replaced by a marker and opt-out attributes removed.
    let expected = "";
    let at = 0;
    let n = 0;
    for (const a of anchors) {
      expected += newsletter.slice(at, a.start);
      let tag = a.tag.replace(/ (data-no-track|ses:no-track(="")?)(?=[\s>])/g, "");
      if (shouldTrack(a)) tag = tag.replace(a.hrefAttr!, ` ${/^\s*(href)/i.exec(a.hrefAttr!)![1]}="#${n++}"`);
      expected += tag;
      at = a.start + a.tag.length;
    }
    expected += newsletter.slice(at);

    let i = 0;
    const pixels = [...html.matchAll(PIXEL)];
    expect(pixels).toHaveLength(1);
    const actual = html
      .replace(PIXEL, "")
      .replace(new RegExp(`(href|HREF)="${ORIGIN}/c/[A-Za-z0-9_-]+"`, "g"), (_m, name: string) => `${name}="#${i++}"`);
    expect(actual).toBe(expected);
    // The pixel sits just before </body>.
    expect(html.indexOf(pixels[0]![0]) + pixels[0]![0].length).toBe(html.lastIndexOf("</body>"));
  });
});

describe("the honeypot link", () => {
  const TRAP = new RegExp(
    `<div aria-hidden="true" style="display:none;max-height:0;overflow:hidden;mso-hide:all"><a href="${ORIGIN}/c/([A-Za-z0-9_-]+)" tabindex="-1" aria-hidden="true" style="display:none"></a></div>`,
    "g",
  );

  it("adds one hidden, unfocusable, textless link first in the body, signed to this deployment's root page", async () => {
    const input = `<html><body class="x"><p><a href="https://a.example/">one</a> <a href="https://b.example/">two</a></p></body></html>`;
    const { html, stats } = await instrumentHtml(input, await options({ honeypot: true }));
    expect(stats).toEqual({ trackedLinks: 2, pixel: true, honeypot: true });
    const traps = [...html.matchAll(TRAP)];
    expect(traps).toHaveLength(1);
    expect(html.startsWith(`<html><body class="x">${traps[0]![0]}<p>`)).toBe(true);
    expect(await payload(traps[0]![1]!)).toEqual({
      kind: "click",
      campaignId: "nl-42",
      contact: "Ann@Example.com",
      url: `${ORIGIN}/`,
      linkIndex: 0xffff,
    });
    // The visible links keep their indexes 0 and 1: the trap is not one of them.
    expect((await clickPayloads(html.replace(TRAP, ""))).map((p) => p.linkIndex)).toEqual([0, 1]);
  });

  it("goes at the end of a fragment without <body>, and nowhere when clicks or the honeypot are off", async () => {
    const fragment = `<p><a href="https://a.example/">one</a></p>`;
    const { html } = await instrumentHtml(fragment, await options({ honeypot: true, opens: false }));
    expect([...html.matchAll(TRAP)]).toHaveLength(1);
    expect(html.endsWith("</a></div>")).toBe(true);
    for (const track of [{ honeypot: true, clicks: false }, { honeypot: false }]) {
      const out = await instrumentHtml(`<body>${fragment}</body>`, await options(track));
      expect(out.stats.honeypot).toBe(false);
      expect(out.html).not.toContain("aria-hidden");
    }
  });
});
