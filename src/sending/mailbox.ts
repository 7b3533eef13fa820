// Mailboxes in headers: `Name <address>` parsing, and display names encoded for SES when they are not ASCII.

import * as v from "valibot";
import { Email } from "../domain/schemas";

const NAME_ADDR = /^(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>\s]+)>$/;

export interface ParsedMailbox {
  name: string | null;
  address: string;
}

/** The parts of `address` or `Name <address>` / `"Name" <address>`; null when it is neither. */
export function mailboxAddress(text: string): ParsedMailbox | null {
  const m = NAME_ADDR.exec(text.trim());
  const name = m ? (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!.trim()) : null;
  const address = m ? m[3]! : text.trim();
  return v.is(Email, address) ? { name: name || null, address } : null;
}

const utf8 = new TextEncoder();

/**
 * The mailbox as SES wants it: a non-ASCII display name as an RFC 2047 encoded-word, an ASCII one quoted.
 * (SES refuses raw non-ASCII in address headers.)
 */
export function formatMailbox(text: string): string {
  const parsed = mailboxAddress(text);
  if (!parsed) throw new Error("not a mailbox: validate before formatting");
  if (!parsed.name) return parsed.address;
  if (/^[\x20-\x7e]*$/.test(parsed.name)) return `"${parsed.name.replace(/(["\\])/g, "\\$1")}" <${parsed.address}>`;
  const bytes = utf8.encode(parsed.name);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `=?UTF-8?B?${btoa(binary)}?= <${parsed.address}>`;
}
