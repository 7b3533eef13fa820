// A stand-in for AWS's SNS signing: an RSA key pair, a self-made certificate and signed SNS messages. The tests sign
// with it under an AWS-looking URL (test/support/sns-signer.ts); `npm start`'s local SES publisher under a local one.
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const DAY = 86_400_000;

/** The keys AWS signs, written out here independently of src/sns/verify.ts so the two check each other. */
const SIGNED = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
} as const;

function toBase64(bytes: ArrayBuffer): string {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

function pem(der: ArrayBuffer): string {
  const lines = toBase64(der)
    .match(/.{1,64}/g)!
    .join("\n");
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

function commonName(cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: "2.5.4.3", value: new AttributeValue({ printableString: cn }) })]),
  ]);
}

export interface SnsSigner {
  /** The SigningCertURL of every message it signs. */
  certUrl: string;
  certificatePem: string;
  /** Add SignatureVersion, SigningCertURL and Signature to the fields. */
  sign(fields: Record<string, string | null>, version?: "1" | "2"): Promise<Record<string, unknown>>;
}

export interface SignerOptions {
  /** Where the certificate will be served from: the SigningCertURL of every message. */
  certUrl: string;
  notBefore?: Date;
  notAfter?: Date;
  /** The certificate's subject and issuer. */
  commonName?: string;
}

/** A random lower-case hex string of `bytes` bytes (certificate file names). */
export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function createSnsSigner(options: SignerOptions): Promise<SnsSigner> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer;
  // A positive, non-zero serial number, as X.509 requires.
  const serial = crypto.getRandomValues(new Uint8Array(8));
  serial[0] = (serial[0]! & 0x7f) | 1;
  const algorithm = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer,
    signature: algorithm,
    issuer: commonName(options.commonName ?? "sns.amazonaws.com test"),
    subject: commonName(options.commonName ?? "sns.amazonaws.com test"),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.now() - DAY),
      notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY),
    }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const certSignature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, tbsDer);
  const certificatePem = pem(
    AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: certSignature })),
  );
  const { certUrl } = options;

  const keys = {
    "1": await crypto.subtle.importKey(
      "pkcs8",
      (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer,
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" },
      false,
      ["sign"],
    ),
    "2": pair.privateKey,
  };

  return {
    certUrl,
    certificatePem,
    async sign(fields, version = "2") {
      const type = fields.Type as keyof typeof SIGNED;
      let text = "";
      for (const key of SIGNED[type]) {
        const value = fields[key];
        if (value !== null && value !== undefined) text += `${key}\n${value}\n`;
      }
      const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys[version], new TextEncoder().encode(text));
      return { ...fields, SignatureVersion: version, SigningCertURL: certUrl, Signature: toBase64(signature) };
    },
  };
}

export interface NotificationInput {
  topicArn: string;
  message: string;
  messageId?: string;
  timestamp?: Date;
  subject?: string | null;
}

/** A signed Notification as SNS POSTs it to an HTTPS subscriber. */
export function signedNotification(signer: SnsSigner, input: NotificationInput, version: "1" | "2" = "2") {
  const messageId = input.messageId ?? crypto.randomUUID();
  return signer.sign(
    {
      Type: "Notification",
      MessageId: messageId,
      TopicArn: input.topicArn,
      Subject: input.subject ?? null,
      Message: input.message,
      Timestamp: (input.timestamp ?? new Date()).toISOString(),
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${input.topicArn}:${messageId}`,
    },
    version,
  );
}
