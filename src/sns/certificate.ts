// Reading the SNS signing certificate: exactly one PEM certificate, its RSA public key and validity dates.

import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";

export interface SigningCertificate {
  /** DER SubjectPublicKeyInfo, ready for crypto.subtle.importKey("spki", ...). */
  spki: ArrayBuffer;
  notBefore: Date;
  notAfter: Date;
}

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

/** One certificate, nothing before or after it (a chain or a key beside it is not what SNS serves). */
const SINGLE_PEM = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n-----END CERTIFICATE-----$/;

export class CertificateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateFormatError";
  }
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/[\r\n]/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Parse the PEM text; throws CertificateFormatError for anything but a single RSA certificate. */
export function parseSigningCertificate(pem: string): SigningCertificate {
  const match = SINGLE_PEM.exec(pem.trim());
  if (!match) throw new CertificateFormatError("not a single PEM certificate");
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(base64ToBytes(match[1]!), Certificate);
  } catch (err) {
    throw new CertificateFormatError(`not an X.509 certificate: ${String(err)}`);
  }
  const tbs = cert.tbsCertificate;
  if (tbs.subjectPublicKeyInfo.algorithm.algorithm !== RSA_ENCRYPTION) {
    throw new CertificateFormatError("the certificate's key is not an RSA key");
  }
  return {
    spki: AsnConvert.serialize(tbs.subjectPublicKeyInfo),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
  };
}
