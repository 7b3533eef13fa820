// Mailbox providers: the domain and MX tables, and deciding a domain once (D1), bounded, with DNS stubbed.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { storedProviders } from "../../src/db/mail-domains";
import { domainOf, mxHosts, providerOfDomain, providerOfMx } from "../../src/domain/mailbox-providers";
import { forgetDecidedDomains, providersOf, withProviders } from "../../src/stats/mailbox-resolver";
import { mxFetcher } from "../support/doh";
import { uniqueId } from "../support/helpers";

describe("the provider tables", () => {
  it.each([
    ["gmail.com", "google"],
    ["googlemail.com", "google"],
    ["outlook.com", "microsoft"],
    ["hotmail.co.uk", "microsoft"],
    ["live.fr", "microsoft"],
    ["msn.com", "microsoft"],
    ["yahoo.com.br", "yahoo"],
    ["aol.com", "yahoo"],
    ["ymail.com", "yahoo"],
    ["icloud.com", "apple"],
    ["me.com", "apple"],
    ["gmx.de", "gmx"],
    ["web.de", "gmx"],
    ["pm.me", "proton"],
    ["yandex.ru", "yandex"],
    ["mail.ru", "mailru"],
    ["comcast.net", "comcast"],
  ])("%s is %s", (domain, provider) => {
    expect(providerOfDomain(domain)).toBe(provider);
  });

  it("leaves other domains, and look-alikes under a provider's name, to their MX records", () => {
    expect(providerOfDomain("example-shop.com")).toBeNull();
    expect(providerOfDomain("outlook.example.org")).toBeNull();
    expect(providerOfDomain("gmail.com.evil.test")).toBeNull();
  });

  it("reads MX hosts by preference and matches the longest suffix", () => {
    expect(mxHosts(["20 alt1.aspmx.l.google.com.", "10 aspmx.l.google.com.", "junk"])).toEqual(["aspmx.l.google.com.", "alt1.aspmx.l.google.com."]);
    expect(providerOfMx(["aspmx.l.google.com."])).toBe("google");
    expect(providerOfMx(["acme-com.mail.protection.outlook.com"])).toBe("microsoft");
    expect(providerOfMx(["mta5.am0.yahoodns.net"])).toBe("yahoo");
    expect(providerOfMx(["mx01.mail.icloud.com"])).toBe("apple");
    expect(providerOfMx(["mail.protonmail.ch"])).toBe("proton");
    expect(providerOfMx(["mx.zoho.eu"])).toBe("zoho");
    expect(providerOfMx(["mx.acme.example", "aspmx.l.google.com"])).toBe("other");
    expect(providerOfMx(["notgoogle.com"])).toBe("other");
  });

  it("takes the domain of an address", () => {
    expect(domainOf("ann@Gmail.com")).toBe("gmail.com");
    expect(domainOf("ann@localhost")).toBeNull();
    expect(domainOf(null)).toBeNull();
  });
});

describe("deciding a domain once", () => {
  const db = () => database(env.DB);
  beforeEach(() => forgetDecidedDomains());

  it("asks MX for unknown domains, stores the decision, and never asks again", async () => {
    const shop = `${uniqueId("shop")}.com`;
    const none = `${uniqueId("none")}.com`;
    const asked: string[] = [];
    const fetcher = mxFetcher({ [shop]: ["10 aspmx.l.google.com."] }, asked);
    const first = await providersOf(db(), [shop, none, "gmail.com", "mail.example.com"], { fetcher });
    expect(Object.fromEntries(first)).toEqual({ [shop]: "google", [none]: "other", "gmail.com": "google", "mail.example.com": "other" });
    expect(asked.sort()).toEqual([none, shop].sort());
    expect(Object.fromEntries(await storedProviders(db(), [shop, none]))).toEqual({ [shop]: "google", [none]: "other" });

    forgetDecidedDomains();
    const again = await providersOf(db(), [shop], { fetcher: mxFetcher({ [shop]: ["10 mx.other.example."] }, asked) });
    expect(again.get(shop)).toBe("google");
    expect(asked).toHaveLength(2);
  });

  it("counts a domain whose lookup failed as other, stores nothing, and decides it on a later call", async () => {
    const flaky = `${uniqueId("flaky")}.com`;
    expect((await providersOf(db(), [flaky], { fetcher: mxFetcher({ [flaky]: "down" }) })).get(flaky)).toBe("other");
    expect((await storedProviders(db(), [flaky])).size).toBe(0);
    const later = await providersOf(db(), [flaky], { fetcher: mxFetcher({ [flaky]: ["5 acme.mail.protection.outlook.com."] }) });
    expect(later.get(flaky)).toBe("microsoft");
  });

  it("asks at most the budget per call, and D1 only with a budget of 0", async () => {
    const domains = Array.from({ length: 5 }, (_, i) => `${uniqueId(`many${i}`)}.com`);
    const asked: string[] = [];
    const answers = Object.fromEntries(domains.map((d) => [d, ["10 mx01.mail.icloud.com."]]));
    const got = await providersOf(db(), domains, { fetcher: mxFetcher(answers, asked), lookups: 2 });
    expect(asked).toHaveLength(2);
    expect([...got.values()].filter((p) => p === "apple")).toHaveLength(2);
    forgetDecidedDomains();
    const stored = await providersOf(db(), domains, { lookups: 0, fetcher: mxFetcher({}, asked) });
    expect(asked).toHaveLength(2);
    expect([...stored.values()].filter((p) => p === "apple")).toHaveLength(2);
  });

  it("gives each event of a campaign its recipient's provider", async () => {
    const events = [
      { id: "1", campaignId: "c", contactId: "ann@gmail.com" },
      { id: "2", campaignId: null, contactId: "bob@gmail.com" },
      { id: "3", campaignId: "c", contactId: null },
    ];
    expect((await withProviders(db(), events)).map((e) => e.provider)).toEqual(["google", null, null]);
  });
});
