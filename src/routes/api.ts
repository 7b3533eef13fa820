// The authenticated API: every route group under /api shares bearer auth and JSON errors.

import { Hono } from "hono";
import { LinksRequest } from "../domain/schemas";
import { keyRing } from "../tracking/keys";
import { mintLinks } from "../tracking/links";
import { requireApiToken } from "./auth";
import { accountApi } from "./account";
import { campaigns } from "./campaigns";
import { readJson } from "./body";
import { contactsApi } from "./contacts";
import { deadLettersApi } from "./dead-letters";
import { segments } from "./segments";
import { suppressionsApi } from "./suppressions";
import { trackingOrigin } from "./origin";
import { sending } from "./sending";
import { webhooksApi } from "./webhooks";
import type { AppEnv } from "../app-env";

export { trackingOrigin };

export const api = new Hono<AppEnv>();

api.use("*", requireApiToken);

api.route("/campaigns", campaigns);
api.route("/segments", segments);

api.post("/links", async (c) => {
  const body = await readJson(c.req.raw, LinksRequest);
  const links = await mintLinks(trackingOrigin(c.env, c.req.url), await keyRing(c.env.TRACKING_KEYS), body, c.env.UNSUBSCRIBE_MAILTO || undefined);
  return c.json(links);
});

api.route("/suppressions", suppressionsApi);
api.route("/contacts", contactsApi);
api.route("/dead-letters", deadLettersApi);
api.route("/webhooks", webhooksApi);
api.route("/account", accountApi);
api.route("/", sending);
