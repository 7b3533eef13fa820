// Local secrets in .dev.vars: read them, and create them from .dev.vars.example with fresh random values.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { encodeBase64Url } from "../src/tracking/base64url";
import { newKeySecret } from "../src/tracking/keys";

export const DEV_VARS = ".dev.vars";
/** The local SES v2 emulator's default address (aws-ses-v2-local), run by `npm start`. */
export const LOCAL_SES_ENDPOINT = "http://127.0.0.1:8005";

export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export function readDevVars(): Record<string, string> {
  return existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
}

const GENERATORS: Record<string, () => string> = {
  API_TOKEN: () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(24))),
  TRACKING_KEYS: () => `1:${encodeBase64Url(newKeySecret())}`,
  // Placeholders: the local SES emulator accepts any signature; real ones come from `wrangler secret put`.
  AWS_ACCESS_KEY_ID: () => "AKIALOCALDEVELOPMENT",
  AWS_SECRET_ACCESS_KEY: () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(30))),
  // Not a secret, but local only: sends go to the emulator that `npm start` runs, never to AWS.
  SES_ENDPOINT: () => LOCAL_SES_ENDPOINT,
};

/** Create .dev.vars from the example, filling every empty value we know how to generate; keep an existing file. */
export function ensureDevVars(): { created: boolean; filled: string[] } {
  const existing = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : null;
  const text = existing ?? readFileSync(".dev.vars.example", "utf8");
  const filled: string[] = [];
  let out = text.replace(/^([A-Za-z_][A-Za-z0-9_]*)=[ \t]*$/gm, (line, name: string) => {
    const make = GENERATORS[name];
    if (!make) return line;
    filled.push(name);
    return `${name}=${make()}`;
  });
  // Older .dev.vars files may lack a secret added since: append it.
  const present = parseDevVars(out);
  for (const [name, make] of Object.entries(GENERATORS)) {
    if (!(name in present)) {
      out += `${out.endsWith("\n") ? "" : "\n"}${name}=${make()}\n`;
      filled.push(name);
    }
  }
  if (existing === null || filled.length > 0) writeFileSync(DEV_VARS, out, { mode: 0o600 });
  return { created: existing === null, filled };
}
