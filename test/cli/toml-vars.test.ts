// Editing wrangler.toml's [vars] as text: values wrangler reads back, everything else left byte for byte.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { readVars, setVars, TomlEditError } from "../../scripts/connect-ses/toml-vars";
import { REPO } from "./support/connect";

/** What wrangler itself makes of the text. */
function wranglerVars(text: string): Record<string, unknown> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "toml-vars-")), "wrangler.toml");
  writeFileSync(file, text);
  return unstable_readConfig({ config: file }).vars;
}

const BASE = `name = "w"
main = "src/index.ts"
compatibility_date = "2026-11-01"

[vars]
# Origin used in minted tracking URLs.
TRACKING_ORIGIN = "" # set me
SES_REGION = 'eu-west-1'

[env.staging.vars]
SES_REGION = "us-west-2"

[[queues.producers]]
binding = "EVENTS"
queue = "q"
`;

describe("wrangler.toml [vars] editing", () => {
  it("changes a value in place, keeping its comment and every other line as it was", () => {
    const out = setVars(BASE, { TRACKING_ORIGIN: "https://track.example.com" });
    expect(out).toBe(BASE.replace('TRACKING_ORIGIN = "" # set me', 'TRACKING_ORIGIN = "https://track.example.com" # set me'));
    expect(wranglerVars(out)).toMatchObject({ TRACKING_ORIGIN: "https://track.example.com", SES_REGION: "eu-west-1" });
  });

  it("adds missing keys after the table's last key, with a comment, and leaves other tables' keys alone", () => {
    const out = setVars(BASE, { SNS_SIGNATURE_VERSION: "2", SES_REGION: "us-east-1" }, { SNS_SIGNATURE_VERSION: "why it is there" });
    expect(out).toContain(`SES_REGION = "us-east-1"\n# why it is there\nSNS_SIGNATURE_VERSION = "2"\n\n[env.staging.vars]\nSES_REGION = "us-west-2"`);
    const vars = wranglerVars(out);
    expect(vars).toMatchObject({ SNS_SIGNATURE_VERSION: "2", SES_REGION: "us-east-1" });
  });

  it("creates [vars] when the file has none, after arrays of tables", () => {
    const text = BASE.replace(/\[vars\][\s\S]*?\n\n/, "");
    const out = setVars(text, { SES_CONFIGURATION_SET: "mail-tracker" });
    expect(out.endsWith('[vars]\nSES_CONFIGURATION_SET = "mail-tracker"\n')).toBe(true);
    expect(wranglerVars(out)).toMatchObject({ SES_CONFIGURATION_SET: "mail-tracker" });
  });

  it("writes values with quotes, backslashes and non-ASCII so that wrangler reads the same string", () => {
    const value = 'a "quoted" \\ back\\slash, é ✓ \t tab';
    const out = setVars(BASE, { TRACKING_ORIGIN: value });
    expect(wranglerVars(out).TRACKING_ORIGIN).toBe(value);
    expect(readVars(out).TRACKING_ORIGIN).toBe(value);
  });

  it("reads basic, literal and escaped strings as wrangler does, on the repository's own wrangler.toml too", () => {
    const repo = readFileSync(path.join(REPO, "wrangler.toml"), "utf8");
    expect(readVars(repo)).toEqual(wranglerVars(repo));
    const escaped = BASE.replace('TRACKING_ORIGIN = ""', 'TRACKING_ORIGIN = "x\\u00e9\\"y"');
    expect(readVars(escaped)).toEqual({ TRACKING_ORIGIN: 'xé"y', SES_REGION: "eu-west-1" });
  });

  it("keeps Windows line ends", () => {
    const crlf = BASE.replace(/\n/g, "\r\n");
    const out = setVars(crlf, { SES_REGION: "us-east-1", NEW_KEY: "v" });
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
    expect(wranglerVars(out)).toMatchObject({ SES_REGION: "us-east-1", NEW_KEY: "v" });
  });

  it("refuses to rewrite a multi-line string rather than corrupt it", () => {
    const text = BASE.replace('TRACKING_ORIGIN = "" # set me', 'TRACKING_ORIGIN = """\nhttps://a.example\n"""');
    expect(() => setVars(text, { TRACKING_ORIGIN: "x" })).toThrow(TomlEditError);
  });
});
