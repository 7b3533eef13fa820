// The authenticated API: every route group under /api shares bearer auth and JSON errors.

import { Hono } from "hono";
import { config } from "../config/config";
import { LinksRequest } from "../domain/schemas";
import { trackingKeyRing } from "../config/tracking-keys";
import { mintLinks } from "../tracking/links";
import { requireApiToken } from "./auth";
import { accountApi } from "./account";
import { archiveApi } from "./archive";
import { campaigns } from "./campaigns";
import { JSON_LIMIT, limitBody } from "./body";
import { BODY, doc } from "./describe";
import { MintedLinks } from "../domain/api-contract";
import { json } from "./validate";
import { contactsApi } from "./contacts";
import { deadLettersApi } from "./dead-letters";
import { providersApi } from "./providers";
import { sunset } from "./sunset";
import { segments } from "./segments";
import { suppressionsApi } from "./suppressions";
import { trackingOrigin } from "./origin";
import { sending } from "./sending";
import { webhooksApi } from "./webhooks";
import type { AppEnv } from "./app-env";

export const api = new Hono<AppEnv>();

api.use("*", requireApiToken);

api.route("/campaigns", campaigns);
api.route("/segments/sunset", sunset);
api.route("/segments", segments);

api.post(
  "/links",
  doc({ tag: "Tracking", summary: "Mint tracked links for one recipient", ok: { schema: MintedLinks }, errors: BODY }),
  limitBody(JSON_LIMIT),
  json(LinksRequest),
  async (c) => {
    const body = c.req.valid("json");
    const { tracking } = config(c.env);
    const links = await mintLinks(
      trackingOrigin(tracking, c.req.url),
      await trackingKeyRing(tracking),
      body,
      tracking.unsubscribeMailto ?? undefined,
    );
    return c.json(links);
  },
);

api.route("/suppressions", suppressionsApi);
api.route("/contacts", contactsApi);
api.route("/dead-letters", deadLettersApi);
api.route("/webhooks", webhooksApi);
api.route("/account", accountApi);
api.route("/providers", providersApi);
api.route("/archive", archiveApi);
api.route("/", sending);
