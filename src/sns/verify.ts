// Verifying an SNS message (SignatureVersion 1 and 2) with WebCrypto before anything in it is trusted.

import { CertificateFormatError, parseSigningCertificate } from "./certificate";
import { PromiseCache } from "../lib/promise-cache";
import type { SignatureVersion } from "../config/config";
import { isCertificateUrlForTopic, isTrustedCertificateUrl } from "./trusted-urls";

export type SnsVerificationReason =
  /** A required field is missing or not a string, or the body is not an object. */
  | "malformed"
  | "unsupported_type"
  | "unsupported_signature_version"
  /** A SignatureVersion this deployment turned off (SNS_SIGNATURE_VERSION = "2" refuses SHA1 signatures). */
  | "signature_version_not_allowed"
  | "untrusted_certificate_url"
  /** The certificate URL names another region (or partition) than the message's TopicArn. */
  | "certificate_region_mismatch"
  /** The certificate could not be fetched now; trying again later may work. */
  | "certificate_unavailable"
  /** This isolate fetched its budget of new certificates this minute (sns/fetch-budget.ts); SNS retries later. */
  | "certificate_budget_spent"
  /** The certificate host answered, but not with a certificate (redirect, 4xx). */
  | "certificate_refused"
  | "invalid_certificate"
  | "certificate_not_yet_valid"
  | "certificate_expired"
  | "stale_message"
  /** The Timestamp lies further ahead of this worker's clock than MAX_CLOCK_SKEW_SECONDS. */
  | "future_message"
  | "bad_signature";

export class SnsVerificationError extends Error {
  constructor(
    readonly reason: SnsVerificationReason,
    message: string,
  ) {
    super(message);
    this.name = "SnsVerificationError";
  }
}

interface SnsSigned {
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: SignatureVersion;
  Signature: string;
  /** Canonical spelling, whichever spelling (HTTP or Lambda) the body used. */
  SigningCertURL: string;
}

export interface SnsNotification extends SnsSigned {
  Type: "Notification";
  Subject: string | null;
  UnsubscribeURL: string | null;
}

export interface SnsSubscriptionConfirmation extends SnsSigned {
  Type: "SubscriptionConfirmation";
  SubscribeURL: string;
  Token: string;
}

export interface SnsUnsubscribeConfirmation extends SnsSigned {
  Type: "UnsubscribeConfirmation";
  SubscribeURL: string;
  Token: string;
}

export type SnsMessage = SnsNotification | SnsSubscriptionConfirmation | SnsUnsubscribeConfirmation;

export interface VerifyOptions {
  /** PEM text of the certificate at `url`; throws when it cannot be had. */
  fetchCertificate(url: string): Promise<string>;
  now?: () => Date;
  /** Messages older than this are refused (replays of old captures). Default 3600. */
  maxAgeSeconds?: number;
  /** How far ahead of the clock a Timestamp may be (clocks drift). Default MAX_CLOCK_SKEW_SECONDS. */
  maxClockSkewSeconds?: number;
  /** The SignatureVersions accepted. Default both "1" and "2". */
  signatureVersions?: ReadonlySet<SignatureVersion>;
  /**
   * One exact certificate URL trusted besides SNS's own (SNS_LOCAL_CERTIFICATE_URL: `npm start`'s local publisher).
   * Default none: only https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem is ever fetched.
   */
  localCertificateUrl?: string | null;
}

const ALL_SIGNATURE_VERSIONS: ReadonlySet<SignatureVersion> = new Set(["1", "2"]);

/** The keys AWS signs, in the order it signs them (SNS developer guide, "Verifying the signatures"). */
const SIGNED_KEYS = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
} as const;

const HASH = { "1": "SHA-1", "2": "SHA-256" } as const;

const DEFAULT_MAX_AGE_SECONDS = 3600;
/**
 * A message dated later than this beyond our clock is refused like a stale one: otherwise a capture dated a year ahead
 * would stay replayable for a year and an hour. Five minutes covers any drift between AWS's clocks and Cloudflare's.
 */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** Lambda's copy of a message spells some keys differently; both spellings mean the same field. */
function field(body: Record<string, unknown>, key: string, lambdaKey?: string): unknown {
  const value = body[key];
  if (lambdaKey === undefined) return value;
  const other = body[lambdaKey];
  if (value !== undefined && other !== undefined && value !== other) {
    throw new SnsVerificationError("malformed", `${key} and ${lambdaKey} disagree`);
  }
  return value ?? other;
}

function requiredString(body: Record<string, unknown>, key: string, lambdaKey?: string): string {
  const value = field(body, key, lambdaKey);
  if (typeof value !== "string" || value.length === 0) throw new SnsVerificationError("malformed", `${key} is missing`);
  return value;
}

function optionalString(body: Record<string, unknown>, key: string, lambdaKey?: string): string | null {
  const value = field(body, key, lambdaKey);
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new SnsVerificationError("malformed", `${key} is not a string`);
  return value;
}

/** The message's fields, typed, before any of them is trusted. */
function readMessage(body: unknown): SnsMessage {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SnsVerificationError("malformed", "the message is not a JSON object");
  }
  const b = body as Record<string, unknown>;
  const type = b.Type;
  if (type !== "Notification" && type !== "SubscriptionConfirmation" && type !== "UnsubscribeConfirmation") {
    throw new SnsVerificationError("unsupported_type", `unsupported message Type ${JSON.stringify(type)}`);
  }
  const version = b.SignatureVersion;
  if (version !== "1" && version !== "2") {
    throw new SnsVerificationError("unsupported_signature_version", `unsupported SignatureVersion ${JSON.stringify(version)}`);
  }
  const signed: SnsSigned = {
    MessageId: requiredString(b, "MessageId"),
    TopicArn: requiredString(b, "TopicArn"),
    // An empty Message is legal for SNS, so only its type is checked.
    Message: typeof b.Message === "string" ? b.Message : missing("Message"),
    Timestamp: requiredString(b, "Timestamp"),
    SignatureVersion: version,
    Signature: requiredString(b, "Signature"),
    SigningCertURL: requiredString(b, "SigningCertURL", "SigningCertUrl"),
  };
  if (signed.MessageId.length > 100) throw new SnsVerificationError("malformed", "MessageId is too long");
  if (type === "Notification") {
    return {
      ...signed,
      Type: type,
      Subject: optionalString(b, "Subject"),
      UnsubscribeURL: optionalString(b, "UnsubscribeURL", "UnsubscribeUrl"),
    };
  }
  return { ...signed, Type: type, SubscribeURL: requiredString(b, "SubscribeURL", "SubscribeUrl"), Token: requiredString(b, "Token") };
}

function missing(key: string): never {
  throw new SnsVerificationError("malformed", `${key} is missing`);
}

/** `Key\nValue\n` for every signed key present and not null, in AWS's order. */
export function stringToSign(message: SnsMessage): string {
  const values = message as unknown as Record<string, string | null | undefined>;
  let out = "";
  for (const key of SIGNED_KEYS[message.Type]) {
    const value = values[key];
    if (value === null || value === undefined) continue;
    out += `${key}\n${value}\n`;
  }
  return out;
}

function decodeSignature(text: string): Uint8Array<ArrayBuffer> {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new SnsVerificationError("bad_signature", "the signature is not base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

interface VerificationKey {
  key: CryptoKey;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Imported keys by PEM text and hash: the PEM itself is the cache key, so a key is never reused for a
 * certificate it did not come from. SNS signs with a handful of certificates; the bound is a safety net.
 */
const keys = new PromiseCache<VerificationKey>(32);

function verificationKey(pem: string, version: "1" | "2"): Promise<VerificationKey> {
  return keys.get(`${version}\n${pem}`, async () => {
    let cert: ReturnType<typeof parseSigningCertificate>;
    try {
      cert = parseSigningCertificate(pem);
    } catch (err) {
      if (err instanceof CertificateFormatError) throw new SnsVerificationError("invalid_certificate", err.message);
      throw err;
    }
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey("spki", cert.spki, { name: "RSASSA-PKCS1-v1_5", hash: HASH[version] }, false, ["verify"]);
    } catch (err) {
      throw new SnsVerificationError("invalid_certificate", `the certificate's key cannot be used: ${String(err)}`);
    }
    return { key, notBefore: cert.notBefore, notAfter: cert.notAfter };
  });
}

async function certificateText(options: VerifyOptions, url: string): Promise<string> {
  try {
    return await options.fetchCertificate(url);
  } catch (err) {
    if (err instanceof SnsVerificationError) throw err;
    throw new SnsVerificationError("certificate_unavailable", `the signing certificate could not be fetched: ${String(err)}`);
  }
}

/**
 * Resolve to the typed message when AWS signed it with a trusted, currently valid certificate and it is
 * recent enough; otherwise throw an SnsVerificationError whose `reason` names the failed check.
 * The cheap checks run first, so a message that fails them never causes a certificate fetch.
 */
export async function verifySnsMessage(body: unknown, options: VerifyOptions): Promise<SnsMessage> {
  const message = readMessage(body);
  if (!(options.signatureVersions ?? ALL_SIGNATURE_VERSIONS).has(message.SignatureVersion)) {
    throw new SnsVerificationError(
      "signature_version_not_allowed",
      `SignatureVersion ${message.SignatureVersion} is not accepted here (SNS_SIGNATURE_VERSION): set the topic's SignatureVersion attribute to 2`,
    );
  }
  const local = options.localCertificateUrl != null && options.localCertificateUrl !== "" && message.SigningCertURL === options.localCertificateUrl;
  if (!local && !isTrustedCertificateUrl(message.SigningCertURL)) {
    throw new SnsVerificationError("untrusted_certificate_url", "SigningCertURL is not an SNS certificate URL");
  }
  // SNS signs with the certificate of the topic's own region: another region's certificate is not this topic's.
  if (!local && !isCertificateUrlForTopic(message.SigningCertURL, message.TopicArn)) {
    throw new SnsVerificationError(
      "certificate_region_mismatch",
      "SigningCertURL is not in the region of the TopicArn (or TopicArn is not an SNS topic ARN)",
    );
  }
  const now = (options.now ?? (() => new Date()))().getTime();
  const sent = Date.parse(message.Timestamp);
  if (!Number.isFinite(sent)) throw new SnsVerificationError("malformed", "Timestamp is not a date");
  const maxAge = (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  if (now - sent > maxAge) throw new SnsVerificationError("stale_message", `the message is older than ${maxAge / 1000} s`);
  const skew = (options.maxClockSkewSeconds ?? MAX_CLOCK_SKEW_SECONDS) * 1000;
  if (sent - now > skew)
    throw new SnsVerificationError("future_message", `the message's Timestamp is more than ${skew / 1000} s ahead of this clock`);
  const signature = decodeSignature(message.Signature);

  const { key, notBefore, notAfter } = await verificationKey(await certificateText(options, message.SigningCertURL), message.SignatureVersion);
  if (now < notBefore.getTime()) throw new SnsVerificationError("certificate_not_yet_valid", "the signing certificate is not valid yet");
  if (now > notAfter.getTime()) throw new SnsVerificationError("certificate_expired", "the signing certificate has expired");

  const data = new TextEncoder().encode(stringToSign(message));
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, data);
  if (valid !== true) throw new SnsVerificationError("bad_signature", "the signature does not match the message");
  return message;
}
