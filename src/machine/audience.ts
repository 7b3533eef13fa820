// Who read and clicked, as far as an agent tells: a human open's email client, a human click's browser, device and OS.
//
// Opens: the mail client's agent, matched by the rule table below (first match wins); clicks: the browser's agent,
// parsed by `bowser` (MIT). Device type and operating system come from bowser for both, except for proxied opens,
// whose agent is the proxy's and says nothing of the reader's device ("unknown").
//
// | client          | rule (agent)                                                  | source                                        |
// |-----------------|---------------------------------------------------------------|-----------------------------------------------|
// | Gmail           | contains `GoogleImageProxy` (Gmail fetches for the reader)    | Google Workspace admin help (image URL proxy) |
// | Yahoo Mail      | contains `YahooMailProxy`                                     | Yahoo help SLN28749                           |
// | Outlook mobile  | starts `Outlook-iOS/` or `Outlook-Android/`                   | the apps' agent as trackers log it (not in   |
// |                 |                                                               | labelled.json: the least sourced row)         |
// | Outlook desktop | `Microsoft Outlook`, `ms-office` or `MSOffice` (Word renderer)| research note H01; isbot fixtures; gophish#1920|
// | Thunderbird     | `Thunderbird/<version>`                                       | Mozilla's Thunderbird agent (research note H01)|
// | Apple Mail      | Apple WebKit agent ending at the engine token (agents.ts)     | uap-core#528                                  |
// | Android app     | an Android WebView (`; wv)`): Samsung Email, Gmail app, …     | Chrome's WebView agent (`wv`), labelled.json  |
// | Webmail         | any agent bowser names a browser of (a webmail tab)           | bowser                                        |
// | Other           | everything else                                               |                                               |
//
// What an agent cannot tell: Outlook on the web and Outlook.com open in a browser (they are "Webmail"); Samsung Email
// and the Gmail app without the proxy send a bare Android WebView agent ("Android app"); Apple Mail readers behind Mail
// Privacy Protection are machine opens (classify.ts rule 10), so Apple Mail is under-counted.
import Bowser from "bowser";
import { isAppleEngineOnly, isGoogleImageProxy, isYahooMailProxy } from "./agents.ts";

export type Device = "desktop" | "mobile" | "tablet" | "unknown";

/** What one agent says of the reader. `name` is the mail client for an open and the browser for a click. */
export interface AudienceLabels {
  name: string;
  device: Device;
  os: string;
  /** The agent was a proxy's (its country and device are the proxy's, not the reader's). */
  proxied: boolean;
}

interface ClientRule {
  name: string;
  test: (ua: string) => boolean;
  proxied?: boolean;
}

/** The rule table above, in its order. */
export const MAIL_CLIENT_RULES: readonly ClientRule[] = [
  { name: "Gmail", test: isGoogleImageProxy, proxied: true },
  { name: "Yahoo Mail", test: isYahooMailProxy, proxied: true },
  { name: "Outlook mobile", test: (ua) => /^Outlook-(?:iOS|Android)\//.test(ua) },
  { name: "Outlook desktop", test: (ua) => /Microsoft Outlook|ms-office|MSOffice/i.test(ua) },
  { name: "Thunderbird", test: (ua) => /\bThunderbird\/\d/.test(ua) },
  { name: "Apple Mail", test: isAppleEngineOnly },
  { name: "Android app", test: (ua) => /\bAndroid\b.*; wv\)/.test(ua) },
];

const UNKNOWN = "unknown";

function deviceOf(parser: Bowser.Parser.Parser): Device {
  const type = parser.getPlatformType(true);
  return type === "desktop" || type === "mobile" || type === "tablet" ? type : UNKNOWN;
}

function parsed(ua: string): { browser: string | null; device: Device; os: string } {
  const parser = Bowser.getParser(ua);
  return { browser: parser.getBrowserName() || null, device: deviceOf(parser), os: parser.getOSName() || UNKNOWN };
}

/** A human open's email client, device and OS; null without an agent. */
export function openAudience(userAgent: string | null): AudienceLabels | null {
  const ua = (userAgent ?? "").trim();
  if (ua === "") return null;
  const rule = MAIL_CLIENT_RULES.find((r) => r.test(ua));
  if (rule?.proxied) return { name: rule.name, device: UNKNOWN, os: UNKNOWN, proxied: true };
  const p = parsed(ua);
  return { name: rule?.name ?? (p.browser ? "Webmail" : "Other"), device: p.device, os: p.os, proxied: false };
}

/** A human click's browser, device and OS; null without an agent. */
export function clickAudience(userAgent: string | null): AudienceLabels | null {
  const ua = (userAgent ?? "").trim();
  if (ua === "") return null;
  const p = parsed(ua);
  return { name: p.browser ?? "Other", device: p.device, os: p.os, proxied: false };
}
