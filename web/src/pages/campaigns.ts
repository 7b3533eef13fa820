// The campaign list: headline numbers per campaign, newest activity first, a page at a time, sortable within the page.

import { loadInto, query } from "../api";
import { emptyState, fill, h, hidden, scroller } from "../dom";
import { formatCount, formatDateTime, formatRate } from "../format";
import { CursorPager } from "../pager";
import { needsAttention } from "../reputation";
import { dataTable, type Column } from "../table";
import type { CampaignListItem, Page } from "../types";

const PAGE_SIZE = 20;

const COLUMNS: Column<CampaignListItem>[] = [
  {
    key: "campaign",
    label: "Campaign",
    sortValue: (c) => c.campaignId,
    cell: (c) =>
      h(
        "span",
        { class: "campaign-cell" },
        h("a", { href: `/dashboard/campaigns/${encodeURIComponent(c.campaignId)}` }, c.campaignId),
        needsAttention(c)
          ? h(
              "span",
              { class: "badge warn", title: "A rate is at or past the SES review threshold" },
              "⚠",
              hidden(" bounce or complaint rate over the SES review threshold"),
            )
          : null,
      ),
  },
  { key: "sent", label: "Sent", numeric: true, sortValue: (c) => c.sent, cell: (c) => formatCount(c.sent) },
  { key: "delivered", label: "Delivered", numeric: true, sortValue: (c) => c.delivered, cell: (c) => formatCount(c.delivered) },
  { key: "open", label: "Open rate", numeric: true, sortValue: (c) => c.rates.open, cell: (c) => formatRate(c.rates.open) },
  { key: "click", label: "Click rate", numeric: true, sortValue: (c) => c.rates.click, cell: (c) => formatRate(c.rates.click) },
  { key: "bounce", label: "Bounce rate", numeric: true, sortValue: (c) => c.rates.bounce, cell: (c) => formatRate(c.rates.bounce) },
  { key: "complaint", label: "Complaint rate", numeric: true, sortValue: (c) => c.rates.complaint, cell: (c) => formatRate(c.rates.complaint) },
  { key: "last", label: "Last activity", sortValue: (c) => c.lastEventAt ?? "", cell: (c) => formatDateTime(c.lastEventAt) },
];

function firstCampaign(): HTMLElement {
  const origin = location.origin;
  const command = `curl -X POST ${origin}/api/send \\
  -H "Authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \\
  -d '{"campaignId":"welcome","to":"you@example.com","from":"you@your-domain.example",
       "subject":"Hello","html":"<p>Hello! <a href=\\"https://example.com/\\">A tracked link</a></p>"}'`;
  return emptyState(
    "No campaigns yet.",
    h(
      "p",
      {},
      "A campaign appears here with its first event: a send, a delivery, an open or a click tagged with its id. Send your first email through this worker:",
    ),
    h("pre", { class: "code", tabindex: 0, "aria-label": "Command that sends a first email" }, h("code", {}, command)),
    h(
      "p",
      {},
      "Or mint tracked links for your own sender with ",
      h("code", {}, "POST /api/links"),
      ", or queue a whole campaign with ",
      h("code", {}, "POST /api/campaigns/<id>/send"),
      ". Deliveries, bounces and complaints arrive once SES is connected (",
      h("code", {}, "npm run connect-ses"),
      ").",
    ),
  );
}

export async function campaignsPage(region: HTMLElement): Promise<void> {
  const pager = new CursorPager("Campaign pages", { back: "← Newer", forward: "Older →" }, async (cursor) => {
    const list = await loadInto<Page<CampaignListItem>>(region, "the campaigns", `/campaigns${query({ limit: PAGE_SIZE, cursor })}`);
    if (!list) return;
    if (list.items.length === 0 && cursor === null) {
      fill(region, firstCampaign());
      return;
    }
    const table = dataTable({
      caption: h(
        "span",
        {},
        `Campaigns, page ${pager.page}, most recent activity first. `,
        h("span", { class: "hint" }, "Sorting a column sorts this page."),
      ),
      columns: COLUMNS,
      rows: list.items,
      sort: { key: "last", direction: "descending" },
      rowAttrs: (c) => ({ "data-campaign": c.campaignId }),
    });
    fill(region, scroller("Campaigns table", table), pager.nav(list.cursor));
    pager.focus(table);
  });
  await pager.first();
}
