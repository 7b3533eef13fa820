// SNS signature verification against genuine AWS-signed messages (test/fixtures/sns) and hostile variants.
import { describe, expect, it, vi } from "vitest";
import { MAX_CLOCK_SKEW_SECONDS, SnsVerificationError, verifySnsMessage, type SnsVerificationReason, type VerifyOptions } from "../../src/sns/verify";
import { isCertificateUrlForTopic, isTrustedCertificateUrl } from "../../src/sns/trusted-urls";
import { fixtureJson, fixtureText, snsIndex, type SnsFixture } from "../support/fixtures";
import { createTestSigner } from "../support/sns-signer";

const MINUTE = 60_000;

type Body = Record<string, unknown>;

function load(f: SnsFixture): Body {
  return fixtureJson<Body>(`sns/${f.message}`);
}

/** Serve the fixture's own certificate, at a clock one minute after the message was sent. */
function options(f: SnsFixture, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  const pem = fixtureText(`sns/${f.certificate}`);
  return {
    fetchCertificate: async (url) => {
      if (url !== f.signingCertUrl) throw new Error(`unexpected certificate URL ${url}`);
      return pem;
    },
    now: () => new Date(Date.parse(f.timestamp) + MINUTE),
    ...overrides,
  };
}

async function reason(promise: Promise<unknown>): Promise<SnsVerificationReason> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "verification should have failed").toBeInstanceOf(SnsVerificationError);
  return (err as SnsVerificationError).reason;
}

/** A one-character change that keeps a value well-formed (a Timestamp stays a date within the clock's reach). */
function tamper(key: string, value: string): string {
  if (key === "Timestamp") return value.replace(/(\d)(Z)$/, (_, d: string, z: string) => `${(Number(d) + 1) % 10}${z}`);
  const last = value.at(-1);
  return value.slice(0, -1) + (last === "a" ? "b" : "a");
}

const SIGNED: Record<string, string[]> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn"],
};

const index = snsIndex();

describe("verifySnsMessage with genuine AWS messages", () => {
  it("has the 28 fixtures the issue names, of both versions and formats", () => {
    expect(index).toHaveLength(28);
    expect(new Set(index.map((f) => f.signatureVersion))).toEqual(new Set(["1", "2"]));
    expect(new Set(index.map((f) => f.format))).toEqual(new Set(["http", "lambda"]));
  });

  it.each(index.map((f) => [f.message, f] as const))("verifies %s", async (_, f) => {
    const body = load(f);
    const message = await verifySnsMessage(body, options(f));
    expect(message.Type).toBe(f.type);
    expect(message.MessageId).toBe(body.MessageId);
    expect(message.SigningCertURL).toBe(f.signingCertUrl);
    expect(message.Message).toBe(body.Message);
  });

  it.each(index.map((f) => [f.message, f] as const))("refuses %s after any one signed field changes", async (_, f) => {
    const body = load(f);
    const keys = SIGNED[f.type]!.filter((k) => typeof body[k] === "string");
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) {
      const changed = { ...body, [key]: tamper(key, body[key] as string) };
      expect(await reason(verifySnsMessage(changed, options(f))), key).toBe("bad_signature");
    }
    // A Subject added to a message signed without one (or removed from one signed with it) changes the string to sign.
    const subject = typeof body.Subject === "string" ? null : "added";
    if (f.type === "Notification") expect(await reason(verifySnsMessage({ ...body, Subject: subject }, options(f)))).toBe("bad_signature");
    // Type is signed too; another Type is another message shape.
    expect(await reason(verifySnsMessage({ ...body, Type: "Notificatiom" }, options(f)))).toBe("unsupported_type");
  });

  it.each(index.map((f) => [f.message, f] as const))("refuses %s under the other SignatureVersion", async (_, f) => {
    const body = load(f);
    const other = f.signatureVersion === "1" ? "2" : "1";
    expect(await reason(verifySnsMessage({ ...body, SignatureVersion: other }, options(f)))).toBe("bad_signature");
    expect(await reason(verifySnsMessage({ ...body, SignatureVersion: "3" }, options(f)))).toBe("unsupported_signature_version");
    expect(await reason(verifySnsMessage({ ...body, SignatureVersion: 1 }, options(f)))).toBe("unsupported_signature_version");
  });

  it.each(index.map((f) => [f.message, f] as const))("refuses %s with another certificate", async (_, f) => {
    const body = load(f);
    const sent = new Date(Date.parse(f.timestamp));
    // Another genuine SNS certificate: refused (by its dates or its key; either way not trusted).
    const otherPath = index.find((g) => g.certificate !== f.certificate)!.certificate;
    const otherPem = fixtureText(`sns/${otherPath}`);
    const err = await reason(verifySnsMessage(body, options(f, { fetchCertificate: async () => otherPem })));
    expect(["bad_signature", "certificate_expired", "certificate_not_yet_valid"]).toContain(err);
    // A certificate valid at that time with another key: only the signature check can refuse it.
    const signer = await createTestSigner({ notBefore: new Date(sent.getTime() - 86_400_000), notAfter: new Date(sent.getTime() + 86_400_000) });
    expect(await reason(verifySnsMessage(body, options(f, { fetchCertificate: async () => signer.certificatePem })))).toBe("bad_signature");
  });
});

describe("verifySnsMessage checks", () => {
  const f = index.find((x) => x.type === "Notification" && x.format === "http" && x.signatureVersion === "2")!;
  const lambda = index.find((x) => x.format === "lambda")!;

  it("accepts Lambda key casing, and refuses a body whose two spellings disagree", async () => {
    const body = load(lambda);
    expect(body.SigningCertUrl).toBeTypeOf("string");
    expect(body.SigningCertURL).toBeUndefined();
    await expect(verifySnsMessage(body, options(lambda))).resolves.toMatchObject({ SigningCertURL: lambda.signingCertUrl });
    const both = { ...body, SigningCertURL: String(body.SigningCertUrl).replace("us-", "eu-") };
    expect(await reason(verifySnsMessage(both, options(lambda)))).toBe("malformed");
  });

  it("refuses messages older than maxAgeSeconds, by default one hour", async () => {
    const body = load(f);
    const sent = Date.parse(f.timestamp);
    const at = (ms: number) => () => new Date(sent + ms);
    await expect(verifySnsMessage(body, options(f, { now: at(3600_000) }))).resolves.toBeTruthy();
    expect(await reason(verifySnsMessage(body, options(f, { now: at(3600_001) })))).toBe("stale_message");
    await expect(verifySnsMessage(body, options(f, { now: at(7000_000), maxAgeSeconds: 7200 }))).resolves.toBeTruthy();
    expect(await reason(verifySnsMessage(body, options(f, { now: at(61_000), maxAgeSeconds: 60 })))).toBe("stale_message");
  });

  it(`refuses messages dated more than ${MAX_CLOCK_SKEW_SECONDS} s ahead of the clock, before fetching a certificate`, async () => {
    const body = load(f);
    const sent = Date.parse(f.timestamp);
    const at = (ms: number) => () => new Date(sent + ms);
    const fetchCertificate = vi.fn(options(f).fetchCertificate);
    await expect(verifySnsMessage(body, options(f, { now: at(-MAX_CLOCK_SKEW_SECONDS * 1000) }))).resolves.toBeTruthy();
    expect(await reason(verifySnsMessage(body, options(f, { now: at(-MAX_CLOCK_SKEW_SECONDS * 1000 - 1), fetchCertificate })))).toBe(
      "future_message",
    );
    expect(await reason(verifySnsMessage(body, options(f, { now: at(-61_000), maxClockSkewSeconds: 60, fetchCertificate })))).toBe("future_message");
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it("checks the certificate's validity dates against the clock", async () => {
    const body = load(f);
    // The certificate 7ff5… is valid from 2021-09-07 to 2022-08-17.
    const clock = (iso: string) => () => new Date(iso);
    expect(await reason(verifySnsMessage(body, options(f, { now: clock("2022-08-18T00:00:00Z"), maxAgeSeconds: 1e9 })))).toBe("certificate_expired");
    // A clock a year behind the message: its Timestamp lies in the future, allowed here to reach the certificate's dates.
    const behind = { now: clock("2021-09-06T00:00:00Z"), maxClockSkewSeconds: 1e9 };
    expect(await reason(verifySnsMessage(body, options(f, behind)))).toBe("certificate_not_yet_valid");
  });

  it("takes only a single PEM certificate", async () => {
    const body = load(f);
    const pem = fixtureText(`sns/${f.certificate}`);
    const other = fixtureText(`sns/${index.find((g) => g.certificate !== f.certificate)!.certificate}`);
    const serve = (text: string) => options(f, { fetchCertificate: async () => text });
    await expect(verifySnsMessage(body, serve(`\n${pem}\n`))).resolves.toBeTruthy();
    for (const text of [
      pem + other,
      other + pem,
      "",
      "not a certificate",
      pem.replace("CERTIFICATE", "PUBLIC KEY"),
      pem.replace(/-----\r?\nMII/, "-----\nAII"),
    ]) {
      expect(await reason(verifySnsMessage(body, serve(text)))).toBe("invalid_certificate");
    }
  });

  it("reports a certificate that could not be fetched as unavailable (a retry may work)", async () => {
    const body = load(f);
    const failing = options(f, { fetchCertificate: async () => Promise.reject(new TypeError("network down")) });
    expect(await reason(verifySnsMessage(body, failing))).toBe("certificate_unavailable");
  });

  it("refuses bodies that are not SNS messages", async () => {
    const body = load(f);
    for (const bad of [null, "text", [body], { ...body, MessageId: undefined }, { ...body, Message: 5 }, { ...body, Signature: undefined }]) {
      expect(await reason(verifySnsMessage(bad, options(f)))).toBe("malformed");
    }
    expect(await reason(verifySnsMessage({ ...body, Signature: "%%%" }, options(f)))).toBe("bad_signature");
    expect(await reason(verifySnsMessage({ ...body, Timestamp: "yesterday" }, options(f)))).toBe("malformed");
  });
});

describe("the certificate's region and the SignatureVersions accepted", () => {
  it("accepts every genuine message's certificate for its own TopicArn, and no other region's or partition's", () => {
    for (const f of index) {
      const topic = load(f).TopicArn as string;
      expect(isCertificateUrlForTopic(f.signingCertUrl, topic), f.message).toBe(true);
    }
    const url = (host: string) => `https://${host}/SimpleNotificationService-0123abcd.pem`;
    expect(isCertificateUrlForTopic(url("sns.cn-north-1.amazonaws.com.cn"), "arn:aws-cn:sns:cn-north-1:123456789012:t")).toBe(true);
    expect(isCertificateUrlForTopic(url("sns.us-gov-west-1.amazonaws.com"), "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t")).toBe(true);
    const refused: [string, string][] = [
      [url("sns.eu-west-1.amazonaws.com"), "arn:aws:sns:us-east-1:123456789012:t"],
      [url("sns.us-east-2.amazonaws.com"), "arn:aws:sns:us-east-1:123456789012:t"],
      [url("sns.cn-north-1.amazonaws.com"), "arn:aws-cn:sns:cn-north-1:123456789012:t"],
      [url("sns.cn-north-1.amazonaws.com.cn"), "arn:aws:sns:cn-north-1:123456789012:t"],
      [url("sns.us-east-1.amazonaws.com"), "arn:aws:sqs:us-east-1:123456789012:t"],
      [url("sns.us-east-1.amazonaws.com"), "not an arn"],
    ];
    for (const [certificateUrl, topic] of refused) expect(isCertificateUrlForTopic(certificateUrl, topic), `${certificateUrl} ${topic}`).toBe(false);
  });

  it("refuses a genuine message whose TopicArn names another region than its certificate, without fetching", async () => {
    for (const f of index.filter((x) => x.format === "http").slice(0, 4)) {
      const body = load(f);
      const fetchCertificate = vi.fn(async () => fixtureText(`sns/${f.certificate}`));
      const region = /^https:\/\/sns\.([a-z0-9-]+)\./.exec(f.signingCertUrl)![1]!;
      const elsewhere = { ...body, TopicArn: String(body.TopicArn).replace(`:${region}:`, region === "ap-south-1" ? ":eu-west-1:" : ":ap-south-1:") };
      expect(await reason(verifySnsMessage(elsewhere, options(f, { fetchCertificate }))), f.message).toBe("certificate_region_mismatch");
      expect(fetchCertificate).not.toHaveBeenCalled();
    }
  });

  it("refuses a SignatureVersion left out of signatureVersions, without fetching; accepts both by default", async () => {
    for (const f of index) {
      const fetchCertificate = vi.fn(async () => fixtureText(`sns/${f.certificate}`));
      const only2 = options(f, { fetchCertificate, signatureVersions: new Set(["2"] as const) });
      if (f.signatureVersion === "1") {
        expect(await reason(verifySnsMessage(load(f), only2)), f.message).toBe("signature_version_not_allowed");
        expect(fetchCertificate).not.toHaveBeenCalled();
      } else {
        await expect(verifySnsMessage(load(f), only2), f.message).resolves.toMatchObject({ SignatureVersion: "2" });
      }
      await expect(verifySnsMessage(load(f), options(f)), f.message).resolves.toBeTruthy();
    }
  });
});

describe("the certificate URL rule", () => {
  const good = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem";

  it("accepts every fixture's URL and the China partition", () => {
    for (const f of index) expect(isTrustedCertificateUrl(f.signingCertUrl), f.signingCertUrl).toBe(true);
    expect(isTrustedCertificateUrl(good)).toBe(true);
    expect(isTrustedCertificateUrl("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem")).toBe(true);
    expect(isTrustedCertificateUrl("https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-0123abcd.pem")).toBe(true);
  });

  // Each URL breaks exactly one rule of https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem.
  const broken: [string, string][] = [
    ["scheme is not https", good.replace("https:", "http:")],
    ["userinfo", good.replace("https://", "https://user@")],
    ["userinfo with a password", good.replace("https://", "https://user:pass@")],
    ["port", good.replace(".com/", ".com:443/")],
    ["query", `${good}?x=1`],
    ["empty query", `${good}?`],
    ["fragment", `${good}#x`],
    ["S3 path-style host", good.replace("sns.us-east-1.amazonaws.com", "s3.amazonaws.com")],
    ["S3 bucket host", good.replace("sns.us-east-1.amazonaws.com", "sns.s3.us-east-1.amazonaws.com")],
    ["another amazonaws.com service", good.replace("sns.", "sqs.")],
    ["no region", good.replace("sns.us-east-1.", "sns.")],
    ["not a region", good.replace("us-east-1", "evil")],
    ["look-alike host suffix", good.replace("amazonaws.com/", "amazonaws.com.evil.example/")],
    ["look-alike host prefix", good.replace("https://sns.", "https://evilsns.")],
    ["other domain", good.replace("amazonaws.com", "amazonaws.co")],
    ["upper-case host", good.replace("sns.us-east-1", "SNS.us-east-1")],
    ["path in a folder", good.replace(".com/", ".com/certs/")],
    ["other file name", good.replace("SimpleNotificationService-", "OtherService-")],
    ["not hex", good.replace("7ff5", "7zz5")],
    ["no hex", "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-.pem"],
    ["other extension", good.replace(".pem", ".crt")],
    ["trailing slash", `${good}/`],
    ["backslash trick", good.replace(".com/", ".com\\@evil.example/")],
    ["leading space", ` ${good}`],
    ["encoded character", good.replace("SimpleNotificationService", "Simple%4EotificationService")],
  ];

  it.each(broken)("refuses a URL with %s, without fetching it", async (_, url) => {
    expect(isTrustedCertificateUrl(url)).toBe(false);
    const f = index.find((x) => x.format === "http")!;
    const fetchCertificate = vi.fn(async () => fixtureText(`sns/${f.certificate}`));
    const body = { ...load(f), SigningCertURL: url };
    expect(await reason(verifySnsMessage(body, options(f, { fetchCertificate })))).toBe("untrusted_certificate_url");
    expect(fetchCertificate).not.toHaveBeenCalled();
  });
});
