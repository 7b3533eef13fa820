// What `npm start` writes into .dev.vars (scripts/dev-vars-text.ts): fresh secrets, the SES emulator, and /sns opened
// for a local topic only, explicitly.
import { describe, expect, it } from "vitest";
import example from "../../.dev.vars.example?raw";
import wranglerToml from "../../wrangler.toml?raw";
import { fillDevVars, LOCAL_SES_ENDPOINT, LOCAL_SNS_TOPIC_ARN, parseDevVars } from "../../scripts/dev-vars-text";
import { isTopicAllowed, parseTopicAllowList } from "../../src/config/sns-topics";

describe(".dev.vars for npm start", () => {
  it("fills the example with the local SES endpoint and the local SNS topic, and only that topic is allowed", () => {
    const { text, filled } = fillDevVars(example);
    const vars = parseDevVars(text);
    expect(filled).toEqual(expect.arrayContaining(["API_TOKEN", "TRACKING_KEYS", "SES_ENDPOINT", "SNS_TOPIC_ARNS"]));
    expect(vars.SES_ENDPOINT).toBe(LOCAL_SES_ENDPOINT);
    expect(vars.SNS_TOPIC_ARNS).toBe(LOCAL_SNS_TOPIC_ARN);
    const allowed = parseTopicAllowList(vars.SNS_TOPIC_ARNS);
    expect(isTopicAllowed(allowed, LOCAL_SNS_TOPIC_ARN)).toBe(true);
    expect(isTopicAllowed(allowed, "arn:aws:sns:us-east-1:123456789012:someone-elses-topic")).toBe(false);
    // What wrangler.toml ships, before any .dev.vars, allows no topic at all.
    const shipped = /^SNS_TOPIC_ARNS = "(.*)"$/m.exec(wranglerToml);
    expect(shipped).not.toBeNull();
    expect(parseTopicAllowList(shipped![1]).size).toBe(0);
  });

  it("lets webhooks go to a receiver on this machine locally, while wrangler.toml ships that off", () => {
    expect(parseDevVars(fillDevVars(example).text).WEBHOOKS_ALLOW_LOCAL_HTTP).toBe("true");
    expect(/^WEBHOOKS_ALLOW_LOCAL_HTTP = "(.*)"$/m.exec(wranglerToml)?.[1]).toBe("false");
  });

  it("adds SNS_TOPIC_ARNS, ERASURE_KEY and WEBHOOKS_ALLOW_LOCAL_HTTP to an older .dev.vars that lacks them, and keeps a value already set", () => {
    const older = "API_TOKEN=abc\nTRACKING_KEYS=1:xyz\nAWS_ACCESS_KEY_ID=A\nAWS_SECRET_ACCESS_KEY=B\nSES_ENDPOINT=http://127.0.0.1:8005\n";
    const upgraded = fillDevVars(older);
    expect(upgraded.filled).toEqual(["ERASURE_KEY", "SNS_TOPIC_ARNS", "WEBHOOKS_ALLOW_LOCAL_HTTP"]);
    expect(parseDevVars(upgraded.text)).toMatchObject({ API_TOKEN: "abc", SNS_TOPIC_ARNS: LOCAL_SNS_TOPIC_ARN, WEBHOOKS_ALLOW_LOCAL_HTTP: "true" });
    expect(parseDevVars(upgraded.text).ERASURE_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const mine = "arn:aws:sns:eu-west-1:111122223333:my-topic";
    const kept = fillDevVars(`${older}SNS_TOPIC_ARNS=${mine}\nERASURE_KEY=mine\nWEBHOOKS_ALLOW_LOCAL_HTTP=false\n`);
    expect(kept.filled).toEqual([]);
    expect(parseDevVars(kept.text).SNS_TOPIC_ARNS).toBe(mine);
  });
});
