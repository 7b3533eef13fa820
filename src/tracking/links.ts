// Minting tracked URLs for a recipient: shared by the API, the CLI and HTML instrumentation.

import type { KeyRing } from "./keys";
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
}

export function pixelPath(token: string): string {
  return `/o/${token}.gif`;
}

export function clickPath(token: string): string {
  return `/c/${token}`;
}

/** `origin` is scheme://host[:port] with no trailing slash. */
export async function mintLinks(origin: string, ring: KeyRing, req: LinkRequest): Promise<MintedLinks> {
  const base = { campaignId: req.campaignId, contact: req.contact, messageId: req.messageId };
  const links: MintedLinks = {
    pixel: origin + pixelPath(await signToken({ ...base, kind: "open" }, ring)),
  };
  if (req.url !== undefined) {
    links.click = origin + clickPath(await signToken({ ...base, kind: "click", url: req.url, linkIndex: req.linkIndex }, ring));
  }
  return links;
}
