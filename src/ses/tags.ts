// The SES message tags (EmailTags) that carry campaign and contact: the one place their names and encoding live.

import { decodeBase64Url, encodeBase64Url } from "../tracking/base64url";

/** Tag names the sender sets on every SendEmail and the SNS ingestion reads back from `mail.tags`. */
export const CAMPAIGN_TAG = "campaign";
export const CONTACT_TAG = "contact";

/**
 * SES tag values may hold only ASCII letters, digits, '_' and '-' (at most 256 characters), so neither an
 * address ('@', '.') nor every campaign id ('.') fits as it is. Values are the base64url (no padding) of the
 * UTF-8 text, whose alphabet is exactly what SES allows.
 */
export function encodeTagValue(text: string): string {
  return encodeBase64Url(new TextEncoder().encode(text));
}

/** The text a tag value carries; null when it is not a value encoded by encodeTagValue. */
export function decodeTagValue(value: string): string | null {
  const bytes = decodeBase64Url(value);
  if (!bytes || bytes.length === 0) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/** SES's limit on a tag value; an address too long to fit is left untagged. */
export const MAX_TAG_VALUE_LENGTH = 256;

export interface EmailTag {
  Name: string;
  Value: string;
}

/** The EmailTags for one message (SES v2 SendEmail `EmailTags`). */
export function trackingTags(campaignId: string, contact: string): EmailTag[] {
  const tags = [{ Name: CAMPAIGN_TAG, Value: encodeTagValue(campaignId) }];
  const contactValue = encodeTagValue(contact);
  if (contactValue.length <= MAX_TAG_VALUE_LENGTH) tags.push({ Name: CONTACT_TAG, Value: contactValue });
  return tags;
}
