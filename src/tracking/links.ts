// Minting tracked URLs for a recipient: shared by the API, the CLI, HTML instrumentation and sending.

import type { KeyRing } from "../config/tracking-keys";
import { signToken } from "./token";

export interface LinkRequest {
  campaignId: string;
  contact: string;
  url?: string;
  linkIndex?: number;
  messageId?: string;
}

export interface MintedLinks {
  pixel: string;
  click?: string;
  unsubscribe: string;
  headers: ListUnsubscribeHeaders;
}

export interface ListUnsubscribeHeaders {
  "List-Unsubscribe": string;
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click";
}

export function pixelPath(token: string): string {
  return `/o/${token}.gif`;
}

export function clickPath(token: string): string {
  return `/c/${token}`;
}

export function unsubscribePath(token: string): string {
  return `/u/${token}`;
}

/**
 * RFC 8058 one-click headers: the https URL first (what Gmail and Yahoo use), then a mailto when one is
 * configured, for clients that only know RFC 2369.
 */
export function listUnsubscribeHeaders(unsubscribeUrl: string, mailto?: string): ListUnsubscribeHeaders {
  const targets = [`<${unsubscribeUrl}>`];
  if (mailto) targets.push(`<mailto:${mailto}?subject=unsubscribe>`);
  return { "List-Unsubscribe": targets.join(", "), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/** `origin` is scheme://host[:port] with no trailing slash. */
export async function mintLinks(origin: string, ring: KeyRing, req: LinkRequest, mailto?: string): Promise<MintedLinks> {
  const base = { campaignId: req.campaignId, contact: req.contact, messageId: req.messageId };
  const pixel = origin + pixelPath(await signToken({ ...base, kind: "open" }, ring));
  const unsubscribe = origin + unsubscribePath(await signToken({ ...base, kind: "unsubscribe" }, ring));
  const links: MintedLinks = { pixel, unsubscribe, headers: listUnsubscribeHeaders(unsubscribe, mailto) };
  if (req.url !== undefined) {
    links.click = origin + clickPath(await signToken({ ...base, kind: "click", url: req.url, linkIndex: req.linkIndex }, ring));
  }
  return links;
}
