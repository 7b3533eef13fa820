// The campaign page's table of mailbox providers: its numbers and rates per provider, with Google's complaints unknown.

import { loadInto } from "./api";
import { emptyState, fill, h, scroller } from "./dom";
import { formatCount, formatRate } from "./format";
import { dataTable } from "./table";
import type { CampaignProviders, ProviderItem } from "./types";

function table(items: ProviderItem[]): HTMLTableElement {
  const count = (key: string, label: string, value: (p: ProviderItem) => number) => ({
    key,
    label,
    numeric: true,
    sortValue: value,
    cell: (p: ProviderItem) => formatCount(value(p)),
  });
  return dataTable({
    caption: "Per mailbox provider (human opens and clicks; rates as the campaign's)",
    columns: [
      { key: "provider", label: "Provider", cell: (p) => p.name },
      count("sent", "Sent", (p) => p.sent),
      { key: "delivered", label: "Delivered", numeric: true, cell: (p) => `${formatCount(p.delivered)} (${formatRate(p.rates.delivery)})` },
      { key: "bounces", label: "Bounces hard / soft", numeric: true, cell: (p) => `${formatCount(p.bounces.hard)} / ${formatCount(p.bounces.soft)}` },
      {
        key: "complaints",
        label: "Complaints",
        numeric: true,
        // Google's 0 is not measured: say so in the cell rather than show 0%.
        cell: (p) =>
          p.complaintsReported && p.rates.complaint !== null ? `${formatCount(p.complaints)} (${formatRate(p.rates.complaint)})` : "not reported *",
      },
      { key: "opens", label: "Opened (people)", numeric: true, cell: (p) => `${formatCount(p.opens.unique)} (${formatRate(p.rates.open)})` },
      { key: "clicks", label: "Clicked (people)", numeric: true, cell: (p) => `${formatCount(p.clicks.unique)} (${formatRate(p.rates.click)})` },
    ],
    rows: items,
    rowAttrs: (p) => ({ "data-provider": p.provider }),
  });
}

/** The section, filled once the providers answer arrives (a failed load says so in place). */
export function providersSection(base: string): HTMLElement {
  const body = h("div");
  const node = h("section", { class: "card", "aria-labelledby": "providers-title" }, h("h2", { id: "providers-title" }, "Mailbox providers"), body);
  void loadInto<CampaignProviders>(body, "the providers", `${base}/providers`).then((answer) => {
    if (!answer) return;
    if (answer.items.length === 0) return fill(body, emptyState("No recipients counted by provider yet."));
    const notes = answer.items
      .filter((p) => p.note !== null)
      .map((p) => h("p", { class: "hint", "data-note": p.provider }, `* ${p.name}: ${p.note}`));
    fill(body, scroller("Providers table", table(answer.items)), ...notes);
  });
  return node;
}
