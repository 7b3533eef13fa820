// The campaign page's audience: people's opens by mail client and clicks by browser, devices, OS and countries, as bar tables.

import { getJson } from "./api";
import { bar, emptyState, errorMessage, fill, h, scroller } from "./dom";
import { formatCount } from "./format";
import { dataTable } from "./table";
import type { CampaignAudience } from "./types";

/** Rows shown per table: the long tail (rare OS versions, many countries) stays out of the way. */
const TOP = 10;

interface Row {
  name: string;
  opens: number;
  openers: number;
  clicks: number;
  clickers: number;
}

function barTable(title: string, label: string, rows: readonly Row[]): HTMLElement {
  const shown = rows.slice(0, TOP);
  const widest = Math.max(1, ...shown.map((r) => Math.max(r.opens, r.clicks)));
  const count = (n: number, people: number, variant: string) =>
    h("span", { class: "bar-cell", title: `${formatCount(people)} people` }, formatCount(n), bar(n / widest, variant));
  return scroller(
    `${title} table`,
    dataTable({
      caption: title,
      columns: [
        { key: "name", label, cell: (r) => r.name },
        { key: "opens", label: "Opens", numeric: true, sortValue: (r) => r.opens, cell: (r) => count(r.opens, r.openers, "opens") },
        { key: "openers", label: "Openers", numeric: true, cell: (r) => formatCount(r.openers) },
        { key: "clicks", label: "Clicks", numeric: true, sortValue: (r) => r.clicks, cell: (r) => count(r.clicks, r.clickers, "clicks") },
        { key: "clickers", label: "Clickers", numeric: true, cell: (r) => formatCount(r.clickers) },
      ],
      rows: shown,
    }),
  );
}

function content(a: CampaignAudience): HTMLElement[] {
  if (a.clients.length === 0) {
    return [emptyState("No human opens or clicks yet.", h("p", {}, "People's opens and clicks are broken down here by client, device and country."))];
  }
  return [
    barTable("Mail clients (opens) and browsers (clicks)", "Client", a.clients),
    barTable("Devices", "Device", a.devices),
    barTable("Operating systems", "OS", a.os),
    barTable(
      "Countries (clicks and direct opens)",
      "Country",
      a.countries.map((c) => ({ ...c, name: c.country })),
    ),
  ];
}

/** The section, filled once the breakdown has loaded (the rest of the page does not wait for it). */
export function audienceSection(campaignId: string): HTMLElement {
  const body = h("div", { class: "audience" }, h("p", { class: "hint" }, "Loading…"));
  void getJson<CampaignAudience>(`/campaigns/${encodeURIComponent(campaignId)}/audience`).then(
    (a) => fill(body, ...content(a)),
    (err) => fill(body, errorMessage("the audience", err)),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "audience-title", "data-section": "audience" },
    h("h2", { id: "audience-title" }, "Clients, devices and countries"),
    body,
    h(
      "p",
      { class: "hint", "data-note": "apple-mail" },
      "People's opens and clicks only. Apple Mail is under-counted: readers behind Apple's Mail Privacy Protection are machine opens. ",
      "A click's client is the browser it opened in; a proxied open (Gmail, Yahoo) has no device or country of its own.",
    ),
  );
}
