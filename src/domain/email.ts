// Email addresses: validation bounds and the normalised form used as a contact id.

/** RFC 5321 limits: 64 octets of local part, 254 in all. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The domain is case-insensitive everywhere; the local part is, by the RFC, the receiving
 * server's business, so it is kept exactly (Foo@x and foo@x may be different mailboxes).
 */
export function normalizeEmail(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  return trimmed.slice(0, at) + "@" + trimmed.slice(at + 1).toLowerCase();
}

/**
 * The key an address is matched on where case must not matter (suppressions, send claims, erasure): the normalised
 * address with ASCII letters lower-cased, exactly as SQLite's lower() computes the suppressions' email_key.
 */
export function addressKey(address: string): string {
  return asciiLower(normalizeEmail(address));
}

/** ASCII letters lower-cased, nothing else changed: SQLite's lower(). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
