// The API's contract, public (it holds no data): GET /openapi.json generated from the routes' own valibot schemas,
// and GET /docs, Scalar's reference page, whose script is this worker's static asset, never a CDN's.

import { Scalar } from "@scalar/hono-api-reference";
import { Hono, type Context } from "hono";
import { generateSpecs } from "hono-openapi";
import { secureHeaders } from "hono/secure-headers";
import { encodeBase64 } from "hono/utils/encode";
import type { AppEnv } from "./app-env";

/** Where scripts/build-web.ts puts @scalar/api-reference's standalone bundle: a Static Assets path. */
export const SCALAR_SCRIPT = "/docs/static/scalar.js";

const DOCUMENTATION = {
  info: {
    title: "mail-tracker API",
    version: "1",
    description:
      "Every route under /api takes `Authorization: Bearer <API_TOKEN>`. Errors answer `{ error, message, ...details }`: " +
      "`error` is a reason code (listed per status below), `message` is for people. The guarantees behind these shapes are in docs/API.md.",
  },
  components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer" } } },
  security: [{ bearer: [] }],
};

/** The document, made once an isolate (the routes do not change while it lives). */
export function openApiDocument(app: Hono<AppEnv>) {
  let made: Promise<unknown> | undefined;
  return () => {
    made ??= generateSpecs(app, {
      documentation: DOCUMENTATION,
      // Only the API: the tracking edge, /sns and the dashboard are not for programs to call by this contract.
      exclude: [/^(?!\/api\/)/],
      defaultValidationErrorResponse: false,
    }).catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
}

// No agent ("Ask AI": it calls Scalar's registry) and no telemetry: the page talks to this origin alone.
const reference = Scalar({
  url: "/openapi.json",
  cdn: SCALAR_SCRIPT,
  pageTitle: "mail-tracker API",
  withDefaultFonts: false,
  agent: { disabled: true },
  telemetry: false,
});

async function sha256(text: string): Promise<string> {
  return `'sha256-${encodeBase64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))}'`;
}

/**
 * The page and its policy: this origin's script, the page's one inline script by its hash (Scalar's call that mounts
 * it), and inline styles, which Scalar's bundle injects as it renders (a hash cannot name those). Data only from here.
 */
async function docsPage(c: Context<AppEnv>): Promise<{ html: string; csp: string }> {
  const html = await ((await reference(c as unknown as Context, async () => {})) as Response).text();
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
  const hashes = await Promise.all(inline.map(sha256));
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return { html, csp };
}

/** The docs page's other security headers; its policy is set by the page itself (it names its script's hash). */
export const docsHeaders = secureHeaders({ xFrameOptions: "DENY", strictTransportSecurity: false });

/** The two routes; `app` is the whole app, read when the document is first asked for. */
export function contractRoutes(app: Hono<AppEnv>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const document = openApiDocument(app);
  routes.get("/openapi.json", async (c) => c.json(await document()));
  let page: Promise<{ html: string; csp: string }> | undefined;
  routes.get("/docs", async (c) => {
    page ??= docsPage(c);
    const { html, csp } = await page;
    return c.html(html, 200, { "Content-Security-Policy": csp, "Cache-Control": "no-store" });
  });
  return routes;
}
