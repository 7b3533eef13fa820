// What the audience breakdown keeps of a person's open or click: decided when the event becomes a CountedEvent.
import { clickAudience, openAudience } from "../machine/audience";

/** What the breakdown needs of a human open or click, decided where the event is turned into a CountedEvent. */
export interface AudienceFacts {
  /** The mail client (an open) or the browser (a click). */
  name: string;
  device: string;
  os: string;
  /** The edge's country; null for a proxied open (the proxy's country is not the reader's) or when unknown. */
  country: string | null;
}

/** The breakdown's facts of an open or click from our pixel or redirects made by a person; null for anything else. */
export function audienceOf(e: {
  type: string;
  machine?: boolean | null;
  source: string | null;
  userAgent: string | null;
  country: string | null;
}): AudienceFacts | null {
  if (e.machine === true || e.source === "ses" || (e.type !== "open" && e.type !== "click")) return null;
  const labels = e.type === "open" ? openAudience(e.userAgent) : clickAudience(e.userAgent);
  if (!labels) return null;
  return { name: labels.name, device: labels.device, os: labels.os, country: labels.proxied ? null : e.country };
}
