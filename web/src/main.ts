// The dashboard's browser entry: the page the server framed (body[data-page]) is filled with its data.

import { errorMessage, fill } from "./dom";
import { campaignPage } from "./pages/campaign";
import { campaignsPage } from "./pages/campaigns";
import { contactsPage } from "./pages/contacts";
import { suppressionsPage } from "./pages/suppressions";

const PAGES: Record<string, { region: string; render: (region: HTMLElement) => Promise<void> }> = {
  campaigns: { region: "campaigns", render: campaignsPage },
  campaign: { region: "campaign", render: campaignPage },
  contacts: { region: "contact", render: contactsPage },
  suppressions: { region: "suppressions", render: suppressionsPage },
};

const page = PAGES[document.body.dataset.page ?? ""];
const region = page && document.querySelector<HTMLElement>(`[data-region="${page.region}"]`);
if (page && region) {
  page.render(region).catch((err: unknown) => fill(region, errorMessage("this page", err)));
}
