// The dashboard's HTML: the sign-in page and each page's frame (header, navigation, headings, forms); the browser
// script (web/src) fills the frame with data. Every value put into the markup is escaped by hono/html.

import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type PageName = "campaigns" | "campaign" | "contacts" | "suppressions";

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const STATIC = "/dashboard/static";

const NAV: ReadonlyArray<{ page: PageName; href: string; label: string }> = [
  { page: "campaigns", href: "/dashboard", label: "Campaigns" },
  { page: "contacts", href: "/dashboard/contacts", label: "Contact lookup" },
  { page: "suppressions", href: "/dashboard/suppressions", label: "Suppressions" },
];

function document(title: string, page: string, body: Markup, withScript: boolean): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · mail-tracker</title>
<link rel="icon" href="${STATIC}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${STATIC}/app.css">
${withScript ? html`<script type="module" src="${STATIC}/app.js"></script>` : ""}
</head>
<body data-page="${page}">
${body}
</body>
</html>
`;
}

function frame(page: PageName, title: string, main: Markup): Markup {
  const current = page === "campaign" ? "campaigns" : page;
  const body = html`<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/dashboard">mail-tracker</a>
<nav aria-label="Dashboard">
<ul>
${NAV.map((item) => html`<li><a href="${item.href}"${item.page === current ? html` aria-current="page"` : ""}>${item.label}</a></li>`)}
</ul>
</nav>
<form class="sign-out" method="post" action="/dashboard/sign-out"><button type="submit">Sign out</button></form>
</header>
<main id="main" tabindex="-1">
<noscript><p class="notice">The dashboard needs JavaScript to load its numbers.</p></noscript>
${main}
</main>`;
  return document(title, page, body, true);
}

export function campaignsPage(): Markup {
  return frame(
    "campaigns",
    "Campaigns",
    html`<h1>Campaigns</h1>
<div data-region="campaigns" aria-live="polite"><p class="muted">Loading campaigns…</p></div>`,
  );
}

export function campaignPage(campaignId: string): Markup {
  return frame(
    "campaign",
    `Campaign ${campaignId}`,
    html`<p class="crumbs"><a href="/dashboard">Campaigns</a> <span aria-hidden="true">/</span></p>
<h1>Campaign <span class="campaign-id">${campaignId}</span></h1>
<div data-region="campaign" data-campaign-id="${campaignId}"><p class="muted">Loading the campaign…</p></div>`,
  );
}

export function contactsPage(): Markup {
  return frame(
    "contacts",
    "Contact lookup",
    html`<h1>Contact lookup</h1>
<form class="search" role="search" method="get" action="/dashboard/contacts">
<label for="email">Email address</label>
<div class="search-row"><input id="email" name="email" type="email" required autocomplete="off" spellcheck="false"><button type="submit">Look up</button></div>
</form>
<div data-region="contact" aria-live="polite"><p class="muted">Enter an address to see whether it is suppressed and everything that happened to it.</p></div>`,
  );
}

export function suppressionsPage(): Markup {
  return frame(
    "suppressions",
    "Suppressions",
    html`<h1>Suppressions</h1>
<form class="search" role="search" method="get" action="/dashboard/suppressions">
<label for="q">Search addresses</label>
<div class="search-row"><input id="q" name="q" type="search" autocomplete="off" spellcheck="false" aria-describedby="q-hint"><button type="submit">Search</button></div>
<p id="q-hint" class="hint">Any part of an address, e.g. <code>@example.com</code>. Empty: every suppressed address.</p>
</form>
<div data-region="suppressions" aria-live="polite"><p class="muted">Loading suppressions…</p></div>`,
  );
}

export function signInPage(options: { next: string; error?: string }): Markup {
  const body = html`<main id="main" class="sign-in">
<h1>Sign in to mail-tracker</h1>
<p>Paste this deployment's API token: the <code>API_TOKEN</code> secret (locally, in <code>.dev.vars</code>). It is sent
once, in this form's body, and never appears in a URL. The session lasts 12 hours or until you sign out.</p>
${options.error ? html`<p class="error" role="alert" id="sign-in-error">${options.error}</p>` : ""}
<form method="post" action="/dashboard/session">
<input type="hidden" name="next" value="${options.next}">
<input type="text" name="username" value="mail-tracker" autocomplete="username" hidden>
<label for="token">API token</label>
<input id="token" name="token" type="password" required autocomplete="current-password" spellcheck="false"${
    options.error ? html` aria-invalid="true" aria-describedby="sign-in-error"` : ""
  } autofocus>
<button type="submit">Sign in</button>
</form>
</main>`;
  return document("Sign in", "sign-in", body, false);
}

export function notFoundPage(): Markup {
  const body = html`<main id="main" class="sign-in">
<h1>Page not found</h1>
<p>There is no dashboard page at this address. <a href="/dashboard">Go to the campaigns</a>.</p>
</main>`;
  return document("Not found", "not-found", body, false);
}
