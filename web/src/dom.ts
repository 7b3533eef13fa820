// Building DOM nodes from data: text always goes in as text (never parsed as HTML), so nothing from the API can inject markup.

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

/** An element with attributes (`on<event>` functions become listeners; false/null/undefined are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Replace everything inside `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Text a screen reader reads but the page does not show. */
export function hidden(text: string): HTMLSpanElement {
  return h("span", { class: "visually-hidden" }, text);
}

/** A region that scrolls sideways on a narrow screen, reachable and scrollable by keyboard. */
export function scroller(label: string, content: Node): HTMLDivElement {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: 0 }, content);
}

/** An empty state: what is missing and what to do about it. */
export function emptyState(title: string, ...body: Child[]): HTMLDivElement {
  return h("div", { class: "empty" }, h("p", { class: "empty-title" }, title), ...body);
}

export function errorMessage(what: string, err: unknown): HTMLParagraphElement {
  return h("p", { class: "error", role: "alert" }, `Could not load ${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/** A bar whose length shows a share (0 to 1): decoration beside a number that is always written out. */
export function bar(share: number, variant = ""): HTMLSpanElement {
  const inner = h("span", { class: `bar-fill ${variant}`.trim() });
  inner.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return h("span", { class: "bar", "aria-hidden": "true" }, inner);
}
