// Paging through a cursor-paginated list: the API hands out only the next page's cursor, so going back needs the
// cursors of the pages before, kept here. Moving to another page moves focus to its rows.

import { h } from "./dom";

export class CursorPager {
  private readonly before: (string | null)[] = [];
  private current: string | null = null;
  private moved = false;

  constructor(
    private readonly label: string,
    private readonly words: { back: string; forward: string },
    private readonly render: (cursor: string | null) => Promise<void>,
  ) {}

  /** The number of the page shown, 1 for the first. */
  get page(): number {
    return this.before.length + 1;
  }

  first(): Promise<void> {
    return this.render(null);
  }

  /** The back and forward buttons and the page number, for a page whose next page starts at `next` (null: none). */
  nav(next: string | null): HTMLElement {
    const go = (cursor: string | null) => {
      this.current = cursor;
      this.moved = true;
      void this.render(cursor);
    };
    return h(
      "nav",
      { class: "pager", "aria-label": this.label },
      h("button", { type: "button", disabled: this.before.length === 0, onclick: () => go(this.before.pop() ?? null) }, this.words.back),
      h("span", { class: "page-number" }, `Page ${this.page}`),
      h(
        "button",
        {
          type: "button",
          disabled: next === null,
          onclick: () => {
            this.before.push(this.current);
            go(next);
          },
        },
        this.words.forward,
      ),
    );
  }

  /** After a move, focus goes to the new page's caption, so keyboard and screen-reader users land on the new rows. */
  focus(table: HTMLTableElement): void {
    if (!this.moved || !table.caption) return;
    table.caption.tabIndex = -1;
    table.caption.focus();
  }
}
