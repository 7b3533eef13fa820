// Suppressions: every suppressed address, searchable by any part of it, a page at a time.

import { getJson, query } from "../api";
import { emptyState, errorMessage, fill, h, scroller } from "../dom";
import { formatDateTime, formatSuppressionReason } from "../format";
import { dataTable } from "../table";
import type { Page, Suppression } from "../types";

const PAGE_SIZE = 50;

export async function suppressionsPage(region: HTMLElement): Promise<void> {
  const q = new URLSearchParams(location.search).get("q")?.trim() ?? "";
  const input = document.getElementById("q") as HTMLInputElement | null;
  if (input) input.value = q;
  const previous: (string | null)[] = [];
  let current: string | null = null;

  const load = async (cursor: string | null, focus: boolean) => {
    region.setAttribute("aria-busy", "true");
    let page: Page<Suppression>;
    try {
      page = await getJson<Page<Suppression>>(`/suppressions${query({ q, limit: PAGE_SIZE, cursor })}`);
    } catch (err) {
      fill(region, errorMessage("the suppressions", err));
      return;
    } finally {
      region.removeAttribute("aria-busy");
    }
    current = cursor;
    if (page.items.length === 0 && cursor === null) {
      fill(
        region,
        q
          ? emptyState(
              `No suppressed address contains “${q}”.`,
              h("p", {}, "Try a shorter part of the address, or ", h("a", { href: "/dashboard/suppressions" }, "list them all"), "."),
            )
          : emptyState(
              "No address is suppressed.",
              h(
                "p",
                {},
                "Addresses are suppressed by themselves when they hard-bounce, complain, unsubscribe or soft-bounce again and again; add one by hand with ",
                h("code", {}, "POST /api/suppressions"),
                ".",
              ),
            ),
      );
      return;
    }
    const pageNumber = previous.length + 1;
    const table = dataTable({
      caption: q ? `Suppressed addresses containing “${q}”, page ${pageNumber}` : `Suppressed addresses, page ${pageNumber}, in address order`,
      columns: [
        { key: "email", label: "Address", cell: (s) => h("a", { href: `/dashboard/contacts${query({ email: s.email })}` }, s.email) },
        { key: "reason", label: "Reason", cell: (s) => formatSuppressionReason(s.reason) },
        { key: "since", label: "Since", cell: (s) => formatDateTime(s.since) },
        { key: "until", label: "Until", cell: (s) => (s.expiresAt ? formatDateTime(s.expiresAt) : "Lifted by hand only") },
      ],
      rows: page.items,
      rowAttrs: (s) => ({ "data-email": s.email }),
    });
    const pager = h(
      "nav",
      { class: "pager", "aria-label": "Suppression pages" },
      h("button", { type: "button", disabled: previous.length === 0, onclick: () => void load(previous.pop() ?? null, true) }, "← Previous"),
      h("span", { class: "page-number" }, `Page ${pageNumber}`),
      h(
        "button",
        {
          type: "button",
          disabled: page.cursor === null,
          onclick: () => {
            previous.push(current);
            void load(page.cursor, true);
          },
        },
        "Next →",
      ),
    );
    fill(region, scroller("Suppressions table", table), pager);
    if (focus && table.caption) {
      table.caption.tabIndex = -1;
      table.caption.focus();
    }
  };

  await load(null, false);
}
