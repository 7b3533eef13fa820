// Every setting .dev.vars.example documents reaches the worker `npm start` runs: wrangler loads the [vars] names and the
// required secrets itself, and scripts/start.ts passes the rest (scripts/local-bindings.ts), which wrangler drops.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { fillDevVars, parseDevVars } from "../../scripts/dev-vars-text";
import { devVarKind, localWorkerBindings } from "../../scripts/local-bindings";
import { REPO } from "./support/connect";

const CONFIG = path.join(REPO, "wrangler.toml");

/**
 * wrangler.toml beside a .dev.vars as `npm start` writes it on a fresh clone, in a folder of their own (the checkout's
 * .dev.vars is not read): the configuration's path, and the .dev.vars values.
 */
function freshClone(): { config: string; vars: Record<string, string> } {
  const { text } = fillDevVars(readFileSync(path.join(REPO, ".dev.vars.example"), "utf8"));
  const dir = mkdtempSync(path.join(tmpdir(), "dev-vars-"));
  writeFileSync(path.join(dir, ".dev.vars"), text);
  copyFileSync(CONFIG, path.join(dir, "wrangler.toml"));
  return { config: path.join(dir, "wrangler.toml"), vars: parseDevVars(text) };
}

/** The plain values wrangler itself binds from that configuration and its .dev.vars, as `wrangler dev` would. */
function wranglerBindings(config: string): Record<string, unknown> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  return (workerOptions.bindings ?? {}) as Record<string, unknown>;
}

describe("the local worker's settings", () => {
  it("gets every key .dev.vars.example documents, with the value npm start wrote", () => {
    const clone = freshClone();
    const { vars } = clone;
    const config = unstable_readConfig({ config: clone.config });
    const byWrangler = wranglerBindings(clone.config);
    const byStart = localWorkerBindings(vars, config, null);
    expect(Object.keys(vars).length).toBeGreaterThan(5);
    for (const [name, value] of Object.entries(vars)) {
      const reached = name in byStart ? byStart[name]!.value : byWrangler[name];
      expect(reached, `${name} (${devVarKind(name, config)})`).toBe(value);
    }
    // The cause this works around: wrangler alone drops the optional secrets, and start.ts passes exactly those.
    const optional = Object.keys(vars).filter((name) => devVarKind(name, config) === "optional_secret");
    expect(optional.sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(Object.keys(byStart).sort()).toEqual(optional.sort());
    for (const name of optional) expect(byWrangler[name], name).toBeUndefined();
  });

  it("keeps the AWS keys optional at deploy and out of [vars]", () => {
    const config = unstable_readConfig({ config: CONFIG });
    expect(config.secrets?.required).toEqual(["API_TOKEN", "TRACKING_KEYS", "ERASURE_KEY"]);
    expect(Object.keys(config.vars)).not.toContain("AWS_ACCESS_KEY_ID");
    expect(Object.keys(config.vars)).not.toContain("AWS_SECRET_ACCESS_KEY");
  });

  it("binds the local certificate URL only when the local SES runs, and leaves blank optional secrets out", () => {
    const config = unstable_readConfig({ config: CONFIG });
    const url = "http://127.0.0.1:8005/sns/SimpleNotificationService-local-00.pem";
    expect(localWorkerBindings({ AWS_ACCESS_KEY_ID: "", API_TOKEN: "t" }, config, url)).toEqual({
      SNS_LOCAL_CERTIFICATE_URL: { type: "plain_text", value: url },
    });
    expect(localWorkerBindings({}, config, null)).toEqual({});
  });
});
