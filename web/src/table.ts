// Data tables: a caption, column headers with scope, and (where asked) headers that sort the rows with aria-sort.

import { h, type Child } from "./dom";

export interface Column<T> {
  key: string;
  label: string;
  /** The cell's content. */
  cell: (row: T) => Child;
  /** What the column sorts by; absent: not sortable. */
  sortValue?: (row: T) => number | string;
  numeric?: boolean;
  /** Header markup for a column whose heading needs more than its label (a visually hidden explanation). */
  header?: Child;
}

export interface SortState {
  key: string;
  direction: "ascending" | "descending";
}

export interface TableOptions<T> {
  caption: Child;
  columns: Column<T>[];
  rows: T[];
  /** The order the rows come in, if it is one of the sortable columns (shown as the current sort). */
  sort?: SortState;
  rowAttrs?: (row: T) => Record<string, string>;
  onSort?: (state: SortState) => void;
}

function compare(a: number | string, b: number | string): number {
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
}

export function dataTable<T>(options: TableOptions<T>): HTMLTableElement {
  let sort = options.sort;
  const tbody = h("tbody");
  const headRow = h("tr");
  const table = h("table", { class: "data" }, h("caption", {}, options.caption), h("thead", {}, headRow), tbody);

  const renderRows = () => {
    let rows = options.rows;
    const column = sort && options.columns.find((c) => c.key === sort!.key);
    if (sort && column?.sortValue) {
      const sign = sort.direction === "ascending" ? 1 : -1;
      const value = column.sortValue;
      // A stable sort over a copy: equal values keep the order the API gave.
      rows = [...rows].sort((a, b) => sign * compare(value(a), value(b)));
    }
    tbody.replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          options.rowAttrs?.(row) ?? {},
          ...options.columns.map((c, i) =>
            i === 0
              ? h("th", { scope: "row", class: c.numeric ? "num" : null }, c.cell(row))
              : h("td", { class: c.numeric ? "num" : null }, c.cell(row)),
          ),
        ),
      ),
    );
  };

  const renderHead = () => {
    headRow.replaceChildren(
      ...options.columns.map((c) => {
        const label = c.header ?? c.label;
        const current = sort?.key === c.key ? sort.direction : null;
        if (!c.sortValue) return h("th", { scope: "col", class: c.numeric ? "num" : null }, label);
        const next: SortState = {
          key: c.key,
          direction: current === "descending" ? "ascending" : current === "ascending" ? "descending" : c.numeric ? "descending" : "ascending",
        };
        const button = h(
          "button",
          {
            type: "button",
            class: "sort",
            onclick: () => {
              sort = next;
              renderHead();
              renderRows();
              options.onSort?.(next);
              (headRow.querySelector(`[data-sort-key="${c.key}"]`) as HTMLElement | null)?.focus();
            },
            "data-sort-key": c.key,
          },
          label,
          h("span", { class: "sort-mark", "aria-hidden": "true" }, current === "ascending" ? "▲" : current === "descending" ? "▼" : "↕"),
        );
        return h("th", { scope: "col", class: c.numeric ? "num" : null, "aria-sort": current ?? null }, button);
      }),
    );
  };

  renderHead();
  renderRows();
  return table;
}
