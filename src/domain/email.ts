// Email addresses: validation bounds and the display form (the identity key is src/domain/identity.ts).

/** RFC 5321 limits: 64 octets of local part, 254 in all. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The address as it is mailed and displayed: trimmed, the domain lower-cased, the local part as given (the receiving
 * server sees it as the sender wrote it). Never a key: rows are matched on identityKey (src/domain/identity.ts).
 */
export function normalizeEmail(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed;
  return trimmed.slice(0, at) + "@" + trimmed.slice(at + 1).toLowerCase();
}
