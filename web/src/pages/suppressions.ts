// Suppressions: every suppressed address, searchable by any part of it, a page at a time.

import { loadInto, query } from "../api";
import { emptyState, fill, h, scroller } from "../dom";
import { formatDateTime, formatSuppressionReason } from "../format";
import { CursorPager } from "../pager";
import { dataTable, type Column } from "../table";
import type { Page, Suppression } from "../types";

const PAGE_SIZE = 50;

const COLUMNS: Column<Suppression>[] = [
  { key: "email", label: "Address", cell: (s) => h("a", { href: `/dashboard/contacts${query({ email: s.email })}` }, s.email) },
  { key: "reason", label: "Reason", cell: (s) => formatSuppressionReason(s.reason) },
  { key: "since", label: "Since", cell: (s) => formatDateTime(s.since) },
  { key: "until", label: "Until", cell: (s) => (s.expiresAt ? formatDateTime(s.expiresAt) : "Lifted by hand only") },
];

function noMatch(q: string): HTMLElement {
  return emptyState(
    `No suppressed address contains “${q}”.`,
    h("p", {}, "Try a shorter part of the address, or ", h("a", { href: "/dashboard/suppressions" }, "list them all"), "."),
  );
}

function noSuppressions(): HTMLElement {
  return emptyState(
    "No address is suppressed.",
    h(
      "p",
      {},
      "Addresses are suppressed by themselves when they hard-bounce, complain, unsubscribe or soft-bounce again and again; add one by hand with ",
      h("code", {}, "POST /api/suppressions"),
      ".",
    ),
  );
}

export async function suppressionsPage(region: HTMLElement): Promise<void> {
  const q = new URLSearchParams(location.search).get("q")?.trim() ?? "";
  const input = document.getElementById("q") as HTMLInputElement | null;
  if (input) input.value = q;
  const pager = new CursorPager("Suppression pages", { back: "← Previous", forward: "Next →" }, async (cursor) => {
    const page = await loadInto<Page<Suppression>>(region, "the suppressions", `/suppressions${query({ q, limit: PAGE_SIZE, cursor })}`);
    if (!page) return;
    if (page.items.length === 0 && cursor === null) {
      fill(region, q ? noMatch(q) : noSuppressions());
      return;
    }
    const table = dataTable({
      caption: q ? `Suppressed addresses containing “${q}”, page ${pager.page}` : `Suppressed addresses, page ${pager.page}, in address order`,
      columns: COLUMNS,
      rows: page.items,
      rowAttrs: (s) => ({ "data-email": s.email }),
    });
    fill(region, scroller("Suppressions table", table), pager.nav(page.cursor));
    pager.focus(table);
  });
  await pager.first();
}
