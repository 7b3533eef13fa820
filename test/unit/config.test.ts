// src/config/config.ts: every variable and secret with its default, a valid value, and an invalid one that names it.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONFIG_VARIABLES, config, parseConfig, type Config } from "../../src/config/config";
import { ConfigError } from "../../src/lib/errors";
import wranglerToml from "../../wrangler.toml?raw";
import { TEST_ERASURE_KEY, TEST_KEY_1, TEST_KEY_2 } from "../support/secrets";

afterEach(() => vi.restoreAllMocks());

/** Nothing set at all: every variable takes its default. */
const defaults = parseConfig({});

function refused(vars: Record<string, unknown>): ConfigError {
  try {
    parseConfig(vars);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(vars)}`);
}

type Case = {
  name: string;
  read: (c: Config) => unknown;
  fallback: unknown;
  valid: Array<[unknown, unknown]>;
  invalid: unknown[];
  secret?: boolean;
};

const ARN = "arn:aws:sns:us-east-1:123456789012:mail-tracker-ses";

const cases: Case[] = [
  {
    name: "TRACKING_ORIGIN",
    read: (c) => c.tracking.origin,
    fallback: null,
    valid: [
      ["https://track.example.com", "https://track.example.com"],
      ["https://track.example.com/", "https://track.example.com"],
      ["http://127.0.0.1:8787", "http://127.0.0.1:8787"],
    ],
    invalid: ["track.example.com", "https://example.com/t", "ftp://track.example.com", "https://track.example.com?x=1"],
  },
  {
    name: "UNSUBSCRIBE_MAILTO",
    read: (c) => c.tracking.unsubscribeMailto,
    fallback: null,
    valid: [["unsubscribe@example.com", "unsubscribe@example.com"]],
    invalid: ["mailto:unsubscribe@example.com", "not an address"],
  },
  {
    name: "SOFT_BOUNCE_LIMIT",
    read: (c) => c.suppression.softBounceLimit,
    fallback: 5,
    valid: [
      ["3", 3],
      [7, 7],
    ],
    invalid: ["abc", "0", "-1", "2.5", "1001"],
  },
  {
    name: "SOFT_BOUNCE_SUPPRESSION_DAYS",
    read: (c) => c.suppression.softBounceTtlMs,
    fallback: 30 * 86_400_000,
    valid: [["3", 3 * 86_400_000]],
    invalid: ["abc", "0", "30d", "3651"],
  },
  {
    name: "SES_REGION",
    read: (c) => c.ses.region,
    fallback: "us-east-1",
    valid: [
      ["eu-west-1", "eu-west-1"],
      ["us-gov-west-1", "us-gov-west-1"],
    ],
    invalid: ["Europe", "us_east_1", "https://email.us-east-1.amazonaws.com"],
  },
  {
    name: "SES_ENDPOINT",
    read: (c) => c.ses.endpoint,
    fallback: "https://email.us-east-1.amazonaws.com",
    valid: [
      ["http://127.0.0.1:8005", "http://127.0.0.1:8005"],
      ["http://127.0.0.1:8005/", "http://127.0.0.1:8005"],
    ],
    invalid: ["127.0.0.1:8005", "ses", "https://email.example/?x=1"],
  },
  {
    name: "SES_CONFIGURATION_SET",
    read: (c) => c.ses.configurationSet,
    fallback: null,
    valid: [["mail-tracker_1", "mail-tracker_1"]],
    invalid: ["has space", "x".repeat(65)],
  },
  {
    name: "SEND_RATE_PER_SECOND",
    read: (c) => c.sending.ratePerSecond,
    fallback: 14,
    valid: [
      ["50", 50],
      ["0.5", 0.5],
      [2, 2],
    ],
    invalid: ["abc", "0", "-3", "1e3", "fast"],
  },
  {
    name: "SES_SYNC_SUPPRESSIONS",
    read: (c) => c.suppression.syncToSes,
    fallback: false,
    valid: [
      ["true", true],
      ["false", false],
      ["TRUE", true],
      [true, true],
    ],
    invalid: ["yes", "1", "on"],
  },
  {
    name: "MACHINE_SETTLE_SECONDS",
    read: (c) => c.machine.settleMs,
    fallback: 60_000,
    valid: [
      ["1", 1000],
      [90, 90_000],
    ],
    invalid: ["0", "3601", "1.5", "a minute"],
  },
  {
    name: "NETWORK_LISTS_MIN_RELAY_ROWS",
    read: (c) => c.machine.minRelayRows,
    fallback: 100_000,
    valid: [
      ["100", 100],
      [250000, 250_000],
    ],
    invalid: ["0", "-5", "many"],
  },
  {
    name: "SNS_CERTIFICATE_FETCHES_PER_MINUTE",
    read: (c) => c.sns.certificateFetchesPerMinute,
    fallback: 10,
    valid: [
      ["1", 1],
      [600, 600],
    ],
    invalid: ["0", "10001", "2.5", "lots"],
  },
  {
    name: "WEBHOOKS_ALLOW_LOCAL_HTTP",
    read: (c) => c.webhooks.allowLocalHttp,
    fallback: false,
    valid: [
      ["true", true],
      ["false", false],
    ],
    invalid: ["yes", "1", "local"],
  },
  {
    name: "GUARD_MIN_SENT",
    read: (c) => c.guard.minSent,
    fallback: 500,
    valid: [
      ["100", 100],
      [20, 20],
    ],
    invalid: ["0", "-5", "2.5", "lots"],
  },
  {
    name: "GUARD_BOUNCE_RATE",
    read: (c) => c.guard.bounceRate,
    fallback: 0.05,
    valid: [
      ["0.02", 0.02],
      [".1", 0.1],
      ["1", 1],
    ],
    invalid: ["5%", "0", "1.5", "-0.1", "5"],
  },
  {
    name: "GUARD_COMPLAINT_RATE",
    read: (c) => c.guard.complaintRate,
    fallback: 0.001,
    valid: [["0.0005", 0.0005]],
    invalid: ["0.1%", "0.0", "2"],
  },
  {
    name: "SNS_TOPIC_ARNS",
    read: (c) => [...c.sns.topicArns],
    fallback: [],
    valid: [
      [ARN, [ARN]],
      [` ${ARN} , arn:aws:sns:eu-west-1:123456789012:other.fifo `, [ARN, "arn:aws:sns:eu-west-1:123456789012:other.fifo"]],
      [" , ", []],
    ],
    invalid: ["mail-tracker-ses", `${ARN},arn:aws:sqs:us-east-1:123456789012:q`, "arn:aws:sns:us-east-1:123:topic"],
  },
  {
    name: "SNS_LOCAL_CERTIFICATE_URL",
    read: (c) => c.sns.localCertificateUrl,
    fallback: null,
    valid: [
      ["http://127.0.0.1:8005/SimpleNotificationService-local.pem", "http://127.0.0.1:8005/SimpleNotificationService-local.pem"],
      ["http://localhost:9/c.pem", "http://localhost:9/c.pem"],
      ["http://[::1]:9/c.pem", "http://[::1]:9/c.pem"],
    ],
    // Never a remote host, whatever it looks like: the exception is for the loopback only.
    invalid: [
      "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ab.pem",
      "http://127.0.0.1.evil.test/c.pem",
      "file:///c.pem",
      "http://u@127.0.0.1/c.pem",
    ],
  },
  {
    name: "API_TOKEN",
    read: (c) => c.api.token,
    fallback: null,
    valid: [["abc-DEF_123.~+/==", "abc-DEF_123.~+/=="]],
    invalid: ["two words", "t\u00f6ken"],
    secret: true,
  },
  {
    name: "STORE_FULL_IP",
    read: (c) => c.privacy.storeFullIp,
    fallback: false,
    valid: [
      ["true", true],
      ["false", false],
    ],
    invalid: ["yes", "1"],
  },
  {
    name: "RETENTION_DAYS",
    read: (c) => c.privacy.retentionDays,
    fallback: 395,
    valid: [
      ["30", 30],
      [3650, 3650],
    ],
    invalid: ["0", "-1", "1y", "36501"],
  },
  {
    name: "ARCHIVE_RETENTION_DAYS",
    // Unset: RETENTION_DAYS (395 by default).
    read: (c) => c.archive.retentionDays,
    fallback: 395,
    valid: [
      ["30", 30],
      [3650, 3650],
    ],
    invalid: ["0", "-1", "1y", "36501"],
  },
  {
    name: "ARCHIVE_FILE_EVENTS",
    read: (c) => c.archive.fileEvents,
    fallback: 10_000,
    valid: [
      ["1", 1],
      [50_000, 50_000],
    ],
    invalid: ["0", "100001", "ten thousand"],
  },
  {
    name: "ERASURE_KEY",
    read: (c) => c.privacy.erasureKey,
    fallback: null,
    valid: [[TEST_ERASURE_KEY, TEST_ERASURE_KEY]],
    invalid: ["c2hvcnQ", "not base64url!"],
    secret: true,
  },
  {
    name: "TRACKING_KEYS",
    read: (c) => c.tracking.keys,
    fallback: null,
    valid: [[`${TEST_KEY_2},${TEST_KEY_1}`, `${TEST_KEY_2},${TEST_KEY_1}`]],
    invalid: ["1:short", "0:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE", `${TEST_KEY_1},${TEST_KEY_1}`],
    secret: true,
  },
];

describe("config: each variable", () => {
  it("reads every variable of wrangler.toml [vars] and every required or optional secret, and has a case here for each", () => {
    const vars = /^\[vars\]\n([\s\S]*?)\n\[/m.exec(wranglerToml)![1]!;
    const declared = [...vars.matchAll(/^([A-Z_]+) = /gm)].map((m) => m[1]!);
    const secrets = JSON.parse(/^required = (\[.*\])$/m.exec(wranglerToml)![1]!) as string[];
    expect(declared.length).toBeGreaterThan(5);
    // Optional secrets (a tracking-only deployment has no AWS keys) are named in the comment above [secrets] instead.
    const optional = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    const secretsComment = /((?:^#.*\n)+)\[secrets\]/m.exec(wranglerToml)![1]!;
    for (const name of optional) expect(secretsComment).toContain(name);
    expect([...CONFIG_VARIABLES].sort()).toEqual([...declared, ...secrets, ...optional].sort());
    // What wrangler.toml ships parses, and means the defaults.
    const shipped = Object.fromEntries([...vars.matchAll(/^([A-Z_]+) = "(.*)"$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(shipped)).toEqual(declared);
    expect(parseConfig(shipped)).toEqual(defaults);
    const tested = [...cases.map((c) => c.name), "SNS_SIGNATURE_VERSION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
    expect(tested.sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  describe.each(cases)("$name", ({ name, read, fallback, valid, invalid, secret }) => {
    it("takes its default when unset, empty or blank", () => {
      expect(read(defaults)).toEqual(fallback);
      expect(read(parseConfig({ [name]: "" }))).toEqual(fallback);
      expect(read(parseConfig({ [name]: "  " }))).toEqual(fallback);
    });

    it("reads valid values", () => {
      for (const [value, expected] of valid) expect(read(parseConfig({ [name]: value })), String(value)).toEqual(expected);
    });

    it("refuses invalid values with a ConfigError naming it, 503 misconfigured", () => {
      for (const value of invalid) {
        const err = refused({ [name]: value });
        expect(err.variable, String(value)).toBe(name);
        expect(err.code).toBe("misconfigured");
        expect(err.status).toBe(503);
        expect(err.message).toMatch(new RegExp(`^${name} `));
        // A secret's value never appears in the message; a variable's does, to make the mistake plain.
        if (secret) expect(err.message).not.toContain(String(value));
        else expect(err.message).toContain(JSON.stringify(String(value)));
      }
    });
  });
});

describe("config: SNS_SIGNATURE_VERSION (documented as lenient)", () => {
  it("accepts both versions when unset, empty or 1, and only version 2 for 2 or any other value", () => {
    const read = (value?: string) => [...parseConfig({ SNS_SIGNATURE_VERSION: value }).sns.signatureVersions].sort();
    for (const value of [undefined, "", " ", "1", " 1 "]) expect(read(value), String(value)).toEqual(["1", "2"]);
    for (const value of ["2", "3", "sha256"]) expect(read(value), value).toEqual(["2"]);
  });
});

describe("config: AWS credentials", () => {
  it("are optional together: neither set means nothing can call SES", () => {
    expect(defaults.ses.credentials).toBeNull();
    expect(parseConfig({ AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s3cret" }).ses.credentials).toEqual({
      accessKeyId: "AKIA1",
      secretAccessKey: "s3cret",
    });
  });

  it("refuses one without the other, naming the one missing and never showing the one set", () => {
    const noSecret = refused({ AWS_ACCESS_KEY_ID: "AKIA1" });
    expect(noSecret.variable).toBe("AWS_SECRET_ACCESS_KEY");
    expect(noSecret.message).not.toContain("AKIA1");
    expect(refused({ AWS_SECRET_ACCESS_KEY: "s3cret" }).variable).toBe("AWS_ACCESS_KEY_ID");
  });

  it("derive the SES endpoint from SES_REGION unless SES_ENDPOINT is set", () => {
    expect(parseConfig({ SES_REGION: "eu-west-1" }).ses.endpoint).toBe("https://email.eu-west-1.amazonaws.com");
    expect(parseConfig({ SES_REGION: "eu-west-1", SES_ENDPOINT: "http://127.0.0.1:8005" }).ses.endpoint).toBe("http://127.0.0.1:8005");
  });
});

describe("config(env)", () => {
  it("reads the test bindings of vitest.config.ts", () => {
    const c = config(env);
    expect(c.tracking.origin).toBe("https://track.example.test");
    expect(c.sending.ratePerSecond).toBe(50);
    expect(c.ses.credentials).not.toBeNull();
    expect(c.sns.topicArns.size).toBe(1);
  });

  it("parses an env once, and another env object on its own", () => {
    const custom = { ...env, SEND_RATE_PER_SECOND: "7" };
    expect(config(custom)).toBe(config(custom));
    expect(config(custom).sending.ratePerSecond).toBe(7);
    expect(config(env).sending.ratePerSecond).toBe(50);
  });

  it("names every problem at once, the first variable as the error's, and logs it once", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = { ...env, SEND_RATE_PER_SECOND: "abc", SOFT_BOUNCE_LIMIT: "many", TRACKING_ORIGIN: "nowhere" };
    const first = (() => {
      try {
        config(broken);
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(first).toBeInstanceOf(ConfigError);
    expect(first!.variable).toBe("TRACKING_ORIGIN");
    for (const name of ["TRACKING_ORIGIN", "SOFT_BOUNCE_LIMIT", "SEND_RATE_PER_SECOND"]) expect(first!.message).toContain(name);
    expect(() => config(broken)).toThrow(first!);
    expect(() => config({ ...broken })).toThrow(first!.message);
    const logged = error.mock.calls.map(([line]) => JSON.parse(String(line))).filter((l) => l.msg === "configuration invalid");
    expect(logged).toEqual([{ level: "error", msg: "configuration invalid", variable: "TRACKING_ORIGIN", error: first!.message }]);
  });
});
