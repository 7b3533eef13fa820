// Just enough XML reading for the SNS Query API's answers: flat elements, repeated members, key/value entries.

import { decodeXML } from "entities";

function escapeTag(tag: string): string {
  return tag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The raw inner text of every <tag>…</tag> (not nested in itself), in document order. */
export function xmlBlocks(xml: string, tag: string): string[] {
  const name = escapeTag(tag);
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>|<${name}(?:\\s[^>]*)?/>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1] ?? "");
}

/** The decoded text of the first <tag>, or undefined when there is none. */
export function xmlText(xml: string, tag: string): string | undefined {
  const block = xmlBlocks(xml, tag)[0];
  return block === undefined ? undefined : decodeXML(block.trim());
}

/** <entry><key>k</key><value>v</value></entry> pairs (GetTopicAttributes' Attributes map). */
export function xmlEntries(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of xmlBlocks(xml, "entry")) {
    const key = xmlText(entry, "key");
    if (key !== undefined) out[key] = xmlText(entry, "value") ?? "";
  }
  return out;
}
