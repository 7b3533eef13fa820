// Audience labels (issue 26 §2): a human open's mail client, a human click's browser, device and OS, from real agents.
// Each agent is named by where it was seen; most are the labelled set's (test/fixtures/machine/labelled.json).
import { describe, expect, it } from "vitest";
import { clickAudience, openAudience } from "../../src/machine/audience";

describe("an open's mail client", () => {
  const cases: [string, string, string, string, string][] = [
    // [source, agent, client, device, os]
    [
      "Google Workspace admin help; labelled.json",
      "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
      "Gmail",
      "unknown",
      "unknown",
    ],
    ["Yahoo help SLN28749", "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "Yahoo Mail", "unknown", "unknown"],
    [
      "ua-parser-js#494",
      "Mozilla/5.0 (compatible; YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html)",
      "Yahoo Mail",
      "unknown",
      "unknown",
    ],
    [
      "isbot fixtures/browsers.yml",
      "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
      "Outlook desktop",
      "desktop",
      "Windows",
    ],
    [
      "gophish#1920",
      "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729; Microsoft Outlook 16.0.9126; ms-office; MSOffice 16)",
      "Outlook desktop",
      "desktop",
      "Windows",
    ],
    ["research note §2.2", "Mozilla/4.0 (compatible; ms-office; MSOffice 16)", "Outlook desktop", "unknown", "unknown"],
    ["Outlook for iOS as logged by trackers", "Outlook-iOS/709.2189947.prod.iphone (3.24.0)", "Outlook mobile", "mobile", "iOS"],
    [
      "research note H01",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.0",
      "Thunderbird",
      "desktop",
      "Windows",
    ],
    ["research note H01", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.12.2", "Thunderbird", "desktop", "Linux"],
    ["uap-core#528", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)", "Apple Mail", "desktop", "macOS"],
    [
      "uap-core#528",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
      "Apple Mail",
      "mobile",
      "iOS",
    ],
    [
      "uap-core#528",
      "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
      "Apple Mail",
      "tablet",
      "iOS",
    ],
    [
      "research note H01",
      "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36",
      "Android app",
      "mobile",
      "Android",
    ],
    [
      "research note H01",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
      "Webmail",
      "desktop",
      "Windows",
    ],
    [
      "research note H03",
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
      "Webmail",
      "desktop",
      "macOS",
    ],
  ];
  it.each(cases)("%s: %s", (_source, ua, client, device, os) => {
    expect(openAudience(ua)).toMatchObject({ name: client, device, os });
  });

  it("a proxy's open is marked proxied (its country is the proxy's), a direct one is not", () => {
    expect(openAudience("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)")?.proxied).toBe(true);
    expect(openAudience("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)")?.proxied).toBe(false);
  });

  it("no agent, no labels; an agent nobody knows is Other", () => {
    expect(openAudience(null)).toBeNull();
    expect(openAudience("  ")).toBeNull();
    expect(openAudience("SomeMailer/1.0")?.name).toBe("Other");
  });
});

describe("a click's browser", () => {
  const cases: [string, string, string, string, string][] = [
    [
      "research note H01",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
      "Chrome",
      "desktop",
      "Windows",
    ],
    [
      "research note H01",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
      "Microsoft Edge",
      "desktop",
      "Windows",
    ],
    ["research note H04", "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox", "desktop", "Linux"],
    [
      "research note H03",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari",
      "mobile",
      "iOS",
    ],
    [
      "research note H03",
      "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari",
      "tablet",
      "iOS",
    ],
    [
      "research note H04",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
      "Chrome",
      "mobile",
      "iOS",
    ],
    [
      "research note H04",
      "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
      "Samsung Internet for Android",
      "mobile",
      "Android",
    ],
    [
      "research note H01",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
      "Chrome",
      "mobile",
      "Android",
    ],
  ];
  it.each(cases)("%s: %s", (_source, ua, browser, device, os) => {
    expect(clickAudience(ua)).toMatchObject({ name: browser, device, os, proxied: false });
  });
});
