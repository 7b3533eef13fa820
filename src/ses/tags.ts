// SES message tags that attribute every SES event to its campaign and contact: the one place that names and
// encodes them, used by sending (EmailTags) and by the SNS parser (mail.tags).
//
// SES tag values may hold only ASCII letters, digits, '_' and '-', at most 256 characters. Values are encoded so
// that they stay readable in the SES console: letters, digits and '-' are kept, every other UTF-8 byte becomes
// '_' and two upper-case hex digits ("ann.lee@example.com" → "ann_2Elee_40example_2Ecom").

export const CAMPAIGN_TAG = "campaign";
export const CONTACT_TAG = "contact";
export const RESERVED_TAGS: ReadonlySet<string> = new Set([CAMPAIGN_TAG, CONTACT_TAG]);

export const MAX_TAG_LENGTH = 256;
/** What SES accepts as a tag name or (encoded) value. */
export const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;

export interface MessageTag {
  Name: string;
  Value: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function encodeTagValue(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9-]/.test(c) ? c : "_" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The text an encoded value stands for; null when it is not one this module wrote. */
export function decodeTagValue(value: string): string | null {
  if (!/^(?:[A-Za-z0-9-]|_[0-9A-F]{2})*$/.test(value)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "_") {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i));
    }
  }
  try {
    return fromUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** Whether the text fits in one tag value once encoded. */
export function fitsInTag(text: string): boolean {
  return text.length > 0 && encodeTagValue(text).length <= MAX_TAG_LENGTH;
}

/** The EmailTags of one send: attribution first, then the caller's own tags (their names and values as given). */
export function emailTags(campaignId: string, contact: string, extra: Record<string, string> = {}): MessageTag[] {
  return [
    { Name: CAMPAIGN_TAG, Value: encodeTagValue(campaignId) },
    { Name: CONTACT_TAG, Value: encodeTagValue(contact) },
    ...Object.entries(extra).map(([Name, Value]) => ({ Name, Value })),
  ];
}

/** Campaign and contact from an SES event's `mail.tags` (`{ name: [values] }`); null where absent or not ours. */
export function attributionFromTags(tags: Record<string, string[] | undefined> | undefined): {
  campaignId: string | null;
  contact: string | null;
} {
  const read = (name: string) => {
    const value = tags?.[name]?.[0];
    return value === undefined ? null : decodeTagValue(value);
  };
  return { campaignId: read(CAMPAIGN_TAG), contact: read(CONTACT_TAG) };
}
