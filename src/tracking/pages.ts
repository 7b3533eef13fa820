// The HTML a person sees: one layout for every page, and the one "Link not found" page.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A whole page. Its only style is inline, which the pages' Content-Security-Policy allows (routes/html.ts). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#1a56db;color:#fff;cursor:pointer}
button:focus{outline:3px solid #f59e0b;outline-offset:2px}</style></head>
<body><main>${body}</main></body></html>`;
}

/** For a click or unsubscribe link that does not verify, and any other path a person may open by mistake. */
export const LINK_NOT_FOUND_PAGE = page(
  "Link not found",
  "<h1>Link not found</h1><p>This link is not valid. If you copied it from an email, check that it was copied whole.</p>",
);
