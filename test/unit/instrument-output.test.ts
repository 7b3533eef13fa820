// HTML instrumentation's exact output, pinned: tokens are deterministic (synthetic IV) and the test keys fixed, so
// the same input must give the same bytes whatever the implementation does to be fast.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import newsletter from "../fixtures/newsletter.html?raw";
import { instrumentHtml, type InstrumentOptions } from "../../src/tracking/instrument";
import type { TrackSwitches } from "../../src/domain/track-switches";
import { keyRing } from "../../src/config/tracking-keys";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function options(track: TrackSwitches, messageId?: string): Promise<InstrumentOptions> {
  return {
    origin: "https://track.example.com",
    ring: await keyRing(env.TRACKING_KEYS),
    campaignId: "newsletter-42",
    contact: "Zoë.Ann@Example.com",
    messageId,
    track,
  };
}

/** 300 links (indexes past 255 take two bytes), http and https, entities, a placeholder and one too long to sign. */
function manyLinks(): string {
  const links = Array.from({ length: 300 }, (_, i) => {
    if (i === 7) return `<a href="https://x.example/?u={{id}}">placeholder</a>`;
    if (i === 11) return `<a href="https://x.example/${"l".repeat(5000)}">too long</a>`;
    const scheme = i % 3 === 0 ? "http" : "https";
    return `<a class="l${i}" href="${scheme}://shop.example/p/${i}?a=1&amp;b=%C3%A9&#38;c=ü">link ${i}</a>`;
  });
  return `<!doctype html><html><body><p>${links.join("\n")}</p></body></html>`;
}

it.each([
  [
    "the newsletter, opens, clicks and the honeypot",
    () => newsletter,
    { opens: true, clicks: true, honeypot: true },
    "m-0001",
    "d16cfd6d2894826aa05433fa05e4d8fc9e81efe883ce77aa8403fa4bd2a9dfd2",
    192,
  ],
  [
    "the newsletter, clicks only, no messageId",
    () => newsletter,
    { opens: false, clicks: true, honeypot: false },
    undefined,
    "ac4294e23e31f57686c4699dae13fd1d741faa85abdfd1294ab4310ffcff7438",
    192,
  ],
  [
    "the newsletter, opens only",
    () => newsletter,
    { opens: true, clicks: false, honeypot: false },
    undefined,
    "e39a9b13a42d0817c19e102bce5213103c5ecd21d1127e4d7de267c7d1da9b4a",
    0,
  ],
  [
    "300 links",
    manyLinks,
    { opens: true, clicks: true, honeypot: true },
    "m-0002",
    "d32bc808c32b82e1c0a67ceac8da8d39de9435269224dcbdb4941e093d9f3b29",
    298,
  ],
] as const)("%s: the same bytes as before", async (_name, input, track, messageId, digest, links) => {
  const { html, stats } = await instrumentHtml(input(), await options(track, messageId));
  expect(await sha256(html)).toBe(digest);
  expect(stats.trackedLinks).toBe(links);
});
