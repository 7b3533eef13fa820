// The campaign page's "who engaged" downloads: the recipients as people, machines only, or no person, as CSV files.

import { h } from "../dom";

const LISTS = [
  { engaged: "human", label: "Engaged as people" },
  { engaged: "machine", label: "Only machines engaged" },
  { engaged: "none", label: "No person engaged" },
] as const;

/** Plain links, not fetches: the browser streams the file to disk with the session cookie, whatever its size. */
export function recipientsDownloads(campaignId: string): HTMLElement {
  const path = `/dashboard/api/campaigns/${encodeURIComponent(campaignId)}/recipients`;
  return h(
    "section",
    { class: "card", "aria-labelledby": "recipients-title" },
    h("h2", { id: "recipients-title" }, "Who engaged"),
    h(
      "p",
      { class: "downloads" },
      ...LISTS.map((list) =>
        h(
          "a",
          { class: "button", href: `${path}?engaged=${list.engaged}&format=csv`, download: "", "data-engaged": list.engaged },
          `${list.label} (CSV)`,
        ),
      ),
    ),
    h(
      "p",
      { class: "hint" },
      "Recipients are those the campaign sent to. Machine opens and clicks (scanners, privacy proxies) do not count as a person's; “No person engaged” includes the machine-only recipients, flagged in the machine_only column.",
    ),
  );
}
