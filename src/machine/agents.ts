// User-agent shapes that matter for human-or-machine: mail proxies, Apple Mail, Safari, scanners, HTTP libraries.
//
// `isbot` (omrilotan/isbot) is the generic bot layer, but on its own it is wrong for mail: it flags Gmail's
// GoogleImageProxy (a person opening the message) and the bare `Mozilla/5.0` of Apple MPP, and misses the Gmail
// prefetcher's stale Edge agent. So the shapes below are tested first and isbot only after them (research note §2.4).
import { isbot } from "isbot";

/** Exactly `Mozilla/5.0`: Apple MPP's stripped agent (uap-core#509, Mailgun's bot example) or a generic fetcher. */
export function isBareMozilla(ua: string): boolean {
  return ua === "Mozilla/5.0";
}

/**
 * Apple WebKit agent ending at the engine token, as Apple Mail on macOS/iOS sends it, with or without MPP
 * (uap-core#528): `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)`,
 * optionally followed by `Mobile/15E148`. Never evidence on its own: only together with the relay network.
 */
const APPLE_ENGINE_ONLY = /^Mozilla\/5\.0 \((?:Macintosh|iPhone|iPad|iPod)[^)]*\) AppleWebKit\/[\d.]+ \(KHTML, like Gecko\)(?: Mobile\/\w+)?$/;
export function isAppleEngineOnly(ua: string): boolean {
  return APPLE_ENGINE_ONLY.test(ua);
}

/** Safari proper (`Version/… Safari/…` at the end): the browser Private Relay carries for people. */
const SAFARI = /\(KHTML, like Gecko\) Version\/[\d.]+(?: Mobile\/\w+)? Safari\/[\d.]+$/;
export function isSafari(ua: string): boolean {
  return SAFARI.test(ua);
}

/**
 * The Gmail app's image prefetcher: `… Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0` (Bird,
 * "Update on the Gmail App Prefetching Images"; mautic#10245; keila#164). isbot does not flag it.
 */
export function isGmailPrefetch(ua: string): boolean {
  return ua.endsWith("Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0");
}

/** Gmail's image proxy, which fetches when the person opens the message (Google Workspace admin help). */
export function isGoogleImageProxy(ua: string): boolean {
  return ua.includes("GoogleImageProxy");
}

/** Yahoo's mail proxy (help.yahoo.com SLN28749): fetches images for the reader, and page content of links. */
export function isYahooMailProxy(ua: string): boolean {
  return ua.includes("YahooMailProxy");
}

/**
 * Named mail-security scanners and link previewers: Barracuda Sentinel (Braze bot filtering), Gmail's content
 * sampler on links (mssola/user_agent#71), Yahoo's proxy on links, Skype/Teams link preview, Google's security
 * scanner (emailengine PR #349), and the gateway names warmbly's abuse.rs lists.
 */
const SCANNER_AGENT = new RegExp(
  [
    "Barracuda",
    "Gmail-content-sampling",
    "YahooMailProxy",
    "SkypeUriPreview",
    "GoogleSecurityScanner",
    "Google-Safety",
    "Proofpoint",
    "urldefense",
    "Mimecast",
    "safelinks",
    "BingPreview",
  ].join("|"),
  "i",
);
export function isScannerAgent(ua: string): boolean {
  return SCANNER_AGENT.test(ua);
}

/** HTTP client libraries and command-line tools as an agent's first word (Braze, warmbly abuse.rs, Preside lists). */
// prettier-ignore
const LIBRARIES = [
  "python-requests",
  "python-urllib",
  "python-httpx",
  "aiohttp",
  "Go-http-client",
  "curl",
  "Wget",
  "okhttp",
  "Java",
  "Apache-HttpClient",
  "axios",
  "node-fetch",
  "undici",
  "node",
  "got",
  "PostmanRuntime",
  "libwww-perl",
  "Ruby",
  "Faraday",
  "GuzzleHttp",
  "Dart",
  "Deno",
  "reqwest",
  "HTTPie",
];
const LIBRARY_AGENT = new RegExp(`^(?:${LIBRARIES.join("|")})\\b`, "i");
export function isLibraryAgent(ua: string): boolean {
  return LIBRARY_AGENT.test(ua) || ua.includes("Java/");
}

/** isbot's verdict: crawlers, headless browsers, monitors and previewers. Call after the mail-specific shapes. */
export function isGenericBot(ua: string): boolean {
  return isbot(ua);
}

/** Whether an Accept header is a browser navigation's: every browser sends text/html there (MDN default values). */
export function acceptsHtml(accept: string | null): boolean {
  return accept !== null && accept.toLowerCase().includes("text/html");
}
