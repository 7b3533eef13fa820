// `npm run link -- --campaign <id> --contact <email> [--url <destination>]`: prints what POST /api/links answers.
import { parseArgs } from "node:util";
import * as v from "valibot";
import { LinksRequest } from "../src/domain/schemas";
import { parseConfig } from "../src/config/config";
import { trackingKeyRing } from "../src/config/tracking-keys";
import { mintLinks } from "../src/tracking/links";
import { readDevVars } from "./dev-vars";

const USAGE = "usage: npm run link -- --campaign <id> --contact <email> [--url <destination>] [--origin <https://track.example.com>]";

const { values } = parseArgs({
  options: {
    campaign: { type: "string" },
    contact: { type: "string" },
    url: { type: "string" },
    origin: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const parsed = v.safeParse(LinksRequest, { campaignId: values.campaign, contact: values.contact, url: values.url });
if (!parsed.success) {
  const issue = parsed.issues[0];
  console.error(`error: ${issue.path?.map((p) => String(p.key)).join(".") ?? "input"}: ${issue.message}\n${USAGE}`);
  process.exit(2);
}

const devVars = readDevVars();
/** What minting reads, from the shell or else .dev.vars, checked as the worker checks it (src/config/config.ts). */
const pick = (name: string) => process.env[name] || devVars[name];
try {
  const { tracking } = parseConfig({
    TRACKING_KEYS: pick("TRACKING_KEYS"),
    TRACKING_ORIGIN: pick("TRACKING_ORIGIN"),
    UNSUBSCRIBE_MAILTO: pick("UNSUBSCRIBE_MAILTO"),
  });
  const origin = values.origin?.replace(/\/+$/, "") || tracking.origin || "http://127.0.0.1:8787";
  const links = await mintLinks(origin, await trackingKeyRing(tracking), parsed.output, tracking.unsubscribeMailto ?? undefined);
  console.log(JSON.stringify(links, null, 2));
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
