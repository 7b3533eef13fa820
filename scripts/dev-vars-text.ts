// The text of .dev.vars: parsing it, and filling what `npm start` generates (pure, so the tests can check it).
import { encodeBase64Url } from "../src/lib/base64url";
import { newKeySecret } from "../src/config/tracking-keys";

/** The local SES v2 emulator's default address (aws-ses-v2-local), run by `npm start`. */
export const LOCAL_SES_ENDPOINT = "http://127.0.0.1:8005";
/**
 * The SNS topic `npm start` lets post to /sns (wrangler.toml ships the door closed: no topic). An account id of
 * zeros belongs to nobody, so no real topic's messages are accepted locally until you list yours.
 */
export const LOCAL_SNS_TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:mail-tracker-local";

export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** Fresh random values of the worker's own secrets: `npm start` puts them in .dev.vars, `npm run setup` on Cloudflare. */
export const SECRET_GENERATORS: Record<string, () => string> = {
  API_TOKEN: () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(24))),
  TRACKING_KEYS: () => `1:${encodeBase64Url(newKeySecret())}`,
  ERASURE_KEY: () => encodeBase64Url(newKeySecret()),
};

const GENERATORS: Record<string, () => string> = {
  ...SECRET_GENERATORS,
  // Placeholders: the local SES emulator accepts any signature; real ones come from `wrangler secret put`. Optional
  // secrets, so `wrangler dev` would drop them: scripts/start.ts passes them itself (scripts/local-bindings.ts).
  AWS_ACCESS_KEY_ID: () => "AKIALOCALDEVELOPMENT",
  AWS_SECRET_ACCESS_KEY: () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(30))),
  // Not secrets, but local only: sends go to the emulator that `npm start` runs, never to AWS; /sns is opened for
  // a topic nobody owns, explicitly, so that the door stays a decision and never an accident of an empty value. The
  // local SES signs its events for that topic (SNS_LOCAL_CERTIFICATE_URL is set by start.ts, not here: its
  // certificate and URL are new each run).
  SES_ENDPOINT: () => LOCAL_SES_ENDPOINT,
  SNS_TOPIC_ARNS: () => LOCAL_SNS_TOPIC_ARN,
  // Webhooks to a receiver on this machine (http://127.0.0.1:…); wrangler.toml ships it off (https, public hosts only).
  WEBHOOKS_ALLOW_LOCAL_HTTP: () => "true",
};

/** Fill every empty value we know how to generate, and append the ones the text lacks (older .dev.vars files). */
export function fillDevVars(text: string): { text: string; filled: string[] } {
  const filled: string[] = [];
  let out = text.replace(/^([A-Za-z_][A-Za-z0-9_]*)=[ \t]*$/gm, (line, name: string) => {
    const make = GENERATORS[name];
    if (!make) return line;
    filled.push(name);
    return `${name}=${make()}`;
  });
  const present = parseDevVars(out);
  for (const [name, make] of Object.entries(GENERATORS)) {
    if (!(name in present)) {
      out += `${out.endsWith("\n") ? "" : "\n"}${name}=${make()}\n`;
      filled.push(name);
    }
  }
  return { text: out, filled };
}
