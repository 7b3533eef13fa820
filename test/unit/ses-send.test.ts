// SES pieces without the worker: tag encoding, mailboxes, the SendEmail body, and retries on throttling.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { config } from "../../src/config/config";
import { SesError, sesConfig, sesRequest, type RetryPolicy } from "../../src/ses/client";
import { sendEmail, sendEmailBody, type OutboundEmail } from "../../src/ses/send-email";
import { attributionFromTags, decodeTagValue, emailTags, encodeTagValue, fitsInTag } from "../../src/ses/tags";
import { composeEmail } from "../../src/sending/message";
import { formatMailbox, mailboxAddress } from "../../src/sending/mailbox";
import { effectiveTracking } from "../../src/sending/tracking";
import { keyRing } from "../../src/config/tracking-keys";
import { takeAwsAttempts } from "../setup/no-aws";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SES tag values", () => {
  it.each(["ann.lee+news@example.com", "Ann_Lee@Example.COM", "jörg@bücher.example", "a-b@c.d", "spring.sale_2026", '"quoted"@example.com'])(
    "encode %s into SES's alphabet and decode back",
    (text) => {
      const encoded = encodeTagValue(text);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeTagValue(encoded)).toBe(text);
    },
  );

  it("stay readable for ordinary addresses", () => {
    expect(encodeTagValue("ann.lee@example.com")).toBe("ann_2Elee_40example_2Ecom");
  });

  it("refuse values this module did not write", () => {
    for (const bad of ["a_2", "a_zz", "a.b", "a_2e", "_C3"]) expect(decodeTagValue(bad)).toBeNull();
  });

  it("know when an address is too long for one tag", () => {
    expect(fitsInTag(`${"a".repeat(64)}@${"b".repeat(180)}.com`)).toBe(true);
    expect(fitsInTag(`${"a.".repeat(70)}@example.com`)).toBe(false);
  });

  it("give campaign and contact back from an SES event's mail.tags", () => {
    const tags = Object.fromEntries(emailTags("spring.sale", "Ann@Example.com", { variant: "b" }).map((t) => [t.Name, [t.Value]]));
    expect(attributionFromTags({ ...tags, "ses:configuration-set": ["x"] })).toEqual({ campaignId: "spring.sale", contact: "Ann@Example.com" });
    expect(attributionFromTags(undefined)).toEqual({ campaignId: null, contact: null });
  });
});

describe("mailboxes", () => {
  it("parse bare and named forms", () => {
    expect(mailboxAddress("shop@example.com")).toEqual({ name: null, address: "shop@example.com" });
    expect(mailboxAddress("Example Shop <shop@example.com>")).toEqual({ name: "Example Shop", address: "shop@example.com" });
    expect(mailboxAddress(`"Shop, Inc." <shop@example.com>`)).toEqual({ name: "Shop, Inc.", address: "shop@example.com" });
    expect(mailboxAddress("Shop <nope>")).toBeNull();
  });

  it("format names as SES needs them: quoted ASCII, RFC 2047 otherwise", () => {
    expect(formatMailbox("Shop, Inc. <shop@example.com>")).toBe(`"Shop, Inc." <shop@example.com>`);
    expect(formatMailbox("Café Thread <shop@example.com>")).toBe(`=?UTF-8?B?${btoa("Caf\xc3\xa9 Thread")}?= <shop@example.com>`);
  });
});

describe("tracking switches", () => {
  it("track only what both the campaign and the send allow", () => {
    expect(effectiveTracking({ opens: true, clicks: true, honeypot: true }, undefined)).toEqual({ opens: true, clicks: true, honeypot: true });
    expect(effectiveTracking({ opens: true, clicks: true, honeypot: true }, { opens: false })).toEqual({
      opens: false,
      clicks: true,
      honeypot: true,
    });
    expect(effectiveTracking({ opens: false, clicks: true, honeypot: true }, { opens: true, clicks: false })).toEqual({
      opens: false,
      clicks: false,
      honeypot: false,
    });
    // The honeypot is the campaign's switch; a send can turn it off, never back on.
    expect(effectiveTracking({ opens: true, clicks: true, honeypot: false }, { honeypot: true })).toEqual({
      opens: true,
      clicks: true,
      honeypot: false,
    });
    expect(effectiveTracking({ opens: true, clicks: true, honeypot: true }, { honeypot: false })).toEqual({
      opens: true,
      clicks: true,
      honeypot: false,
    });
  });
});

describe("composing an email", () => {
  it("adds the mailto target to List-Unsubscribe when one is configured", async () => {
    const ring = await keyRing(env.TRACKING_KEYS);
    const email = await composeEmail(
      { origin: "https://t.example", ring, unsubscribeMailto: "unsubscribe@t.example", configurationSet: "cs" },
      {
        campaignId: "c1",
        to: "ann@example.com",
        from: "shop@example.com",
        subject: "Hi",
        text: "plain https://x.example/",
        track: { opens: true, clicks: true, honeypot: true },
      },
    );
    expect(email.headers["List-Unsubscribe"]).toMatch(
      /^<https:\/\/t\.example\/u\/[A-Za-z0-9_-]+>, <mailto:unsubscribe@t\.example\?subject=unsubscribe>$/,
    );
    expect(email.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(email.text).toBe("plain https://x.example/");
    expect(email.html).toBeUndefined();
  });

  it("builds an SES v2 SendEmail body with Simple content, headers, tags and the configuration set", () => {
    const email: OutboundEmail = {
      from: "shop@example.com",
      to: "ann@example.com",
      subject: "Hi",
      html: "<p>x</p>",
      headers: { "List-Unsubscribe": "<https://t.example/u/x>" },
      tags: emailTags("c1", "ann@example.com"),
      configurationSet: "cs",
    };
    expect(sendEmailBody(email)).toEqual({
      FromEmailAddress: "shop@example.com",
      Destination: { ToAddresses: ["ann@example.com"] },
      Content: {
        Simple: {
          Subject: { Data: "Hi", Charset: "UTF-8" },
          Body: { Html: { Data: "<p>x</p>", Charset: "UTF-8" } },
          Headers: [{ Name: "List-Unsubscribe", Value: "<https://t.example/u/x>" }],
        },
      },
      EmailTags: [
        { Name: "campaign", Value: "c1" },
        { Name: "contact", Value: "ann_40example_2Ecom" },
      ],
      ConfigurationSetName: "cs",
    });
  });
});

describe("sendEmail retries", () => {
  const email: OutboundEmail = { from: "shop@example.com", to: "ann@example.com", subject: "Hi", text: "x", headers: {}, tags: [] };

  function recordingPolicy(retries: number): RetryPolicy & { slept: number[] } {
    const slept: number[] = [];
    return { retries, baseDelayMs: 100, slept, sleep: async (ms) => void slept.push(ms) };
  }

  function answers(...responses: (() => Response)[]) {
    let i = 0;
    return vi.spyOn(globalThis, "fetch").mockImplementation(async () => responses[Math.min(i++, responses.length - 1)]!());
  }

  const throttled = () =>
    new Response(JSON.stringify({ message: "Maximum sending rate exceeded." }), {
      status: 429,
      headers: { "x-amzn-ErrorType": "TooManyRequestsException" },
    });
  const accepted = () => new Response(JSON.stringify({ MessageId: "0100-abc" }), { status: 200 });

  it("retries a throttled send after a backoff and returns the MessageId", async () => {
    const spy = answers(throttled, accepted);
    const policy = recordingPolicy(3);
    expect(await sendEmail(sesConfig(config(env).ses), email, policy)).toBe("0100-abc");
    expect(spy).toHaveBeenCalledTimes(2);
    expect(policy.slept).toHaveLength(1);
    expect(policy.slept[0]).toBeGreaterThanOrEqual(50);
    expect(policy.slept[0]).toBeLessThanOrEqual(100);
  });

  it("gives up after the bounded number of retries with a retryable error", async () => {
    const spy = answers(throttled);
    const policy = recordingPolicy(2);
    const err = await sendEmail(sesConfig(config(env).ses), email, policy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SesError);
    expect(err).toMatchObject({ status: 429, type: "TooManyRequestsException", retryable: true });
    expect(spy).toHaveBeenCalledTimes(3);
    expect(policy.slept).toHaveLength(2);
  });

  it("does not retry a SendEmail whose outcome is unknown (5xx, lost answer, no MessageId), only an idempotent PUT", async () => {
    const unknowns: (() => Response | Promise<Response>)[] = [
      () => new Response(JSON.stringify({ message: "Internal failure" }), { status: 500, headers: { "x-amzn-ErrorType": "InternalFailure" } }),
      () => Promise.reject(new Error("Network connection lost.")),
      () => new Response("{}", { status: 200 }),
      () => new Response("{not json", { status: 200 }),
    ];
    for (const answer of unknowns) {
      const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => answer());
      const policy = recordingPolicy(3);
      const err = await sendEmail(sesConfig(config(env).ses), email, policy).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SesError);
      expect(err).toMatchObject({ outcomeUnknown: true });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(policy.slept).toEqual([]);
      vi.restoreAllMocks();
    }
    // Putting an address on the suppression list twice does what once does: its 5xx is retried.
    const spy = answers(
      () => new Response("{}", { status: 503 }),
      () => new Response("{}", { status: 200 }),
    );
    await sesRequest(
      sesConfig(config(env).ses),
      "PUT",
      "/v2/email/suppression/addresses",
      { EmailAddress: "a@example.com", Reason: "BOUNCE" },
      recordingPolicy(3),
    );
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("does not retry a rejection", async () => {
    const spy = answers(
      () => new Response(JSON.stringify({ message: "Illegal address" }), { status: 400, headers: { "x-amzn-ErrorType": "BadRequestException" } }),
    );
    const err = await sendEmail(sesConfig(config(env).ses), email, recordingPolicy(3)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, retryable: false, message: "Illegal address" });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("never reaches AWS in tests: the endpoint is the emulator, and an AWS host is refused", async () => {
    expect(sesConfig(config(env).ses).endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const aws = { ...sesConfig(config(env).ses), endpoint: "https://email.us-east-1.amazonaws.com" };
    const err = await sendEmail(aws, email, recordingPolicy(0)).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: "NetworkError", message: expect.stringContaining("a test tried to reach AWS") });
    // The guard fails whichever test tried; this one meant to, so it takes the record.
    expect(takeAwsAttempts()).toEqual(["https://email.us-east-1.amazonaws.com/v2/email/outbound-emails"]);
  });
});
