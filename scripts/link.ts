// `npm run link -- --campaign <id> --contact <email> [--url <destination>]`: prints what POST /api/links answers.
import { parseArgs } from "node:util";
import * as v from "valibot";
import { LinksRequest } from "../src/domain/schemas";
import { keyRing } from "../src/tracking/keys";
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
const keys = process.env.TRACKING_KEYS || devVars.TRACKING_KEYS;
const origin = (values.origin || process.env.TRACKING_ORIGIN || devVars.TRACKING_ORIGIN || "http://127.0.0.1:8787").replace(/\/+$/, "");
try {
  const mailto = process.env.UNSUBSCRIBE_MAILTO || devVars.UNSUBSCRIBE_MAILTO || undefined;
  const links = await mintLinks(origin, await keyRing(keys), parsed.output, mailto);
  console.log(JSON.stringify(links, null, 2));
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
