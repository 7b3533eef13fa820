// The dashboard in a real browser: Debian's Chromium (headless, driven by playwright-core) against a local worker seeded
// through its real doors (signed SNS notifications, tracked pixel and click requests). `npm run test:e2e`.
//
// It signs in, reads the campaign list and a campaign page and compares every number shown with the API's answer,
// reads the chart's pixels (drawn, and redrawn when the buckets change), finds a suppressed address and lifts it
// after the confirmation, searches the suppressions, and fails on any console error. It saves screenshots (desktop and
// phone width) into docs/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatBucket, formatCount, formatDateTime, formatRate } from "../../web/src/format.ts";
import { rateOf } from "../../web/src/reputation.ts";
import type { CampaignListItem, CampaignStats, ContactEvent, Links, Page as ApiPage, Timeline } from "../../web/src/types.ts";
import { ROOT, startInterceptedWorker, type InterceptedWorker } from "../support/local-worker.ts";
import { TEST_API_TOKEN } from "../support/secrets.ts";
import { createTestSigner, type TestSigner } from "../support/sns-signer.ts";
import { contactOf, reached, seedCampaign, type CampaignPlan, type Expected } from "./seed.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = path.join(ROOT, "docs", "screenshots");
const HOUR = 3_600_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const now = Date.now();
const PLANS: CampaignPlan[] = [
  {
    campaignId: "weekly-digest",
    recipients: 12,
    start: now - 75 * HOUR,
    opens: [0, 1, 2, 3, 4, 5, 0],
    clicks: [{ index: 1, url: "https://news.example.com/issue-42", linkIndex: 0 }],
  },
  {
    campaignId: "onboarding",
    recipients: 6,
    start: now - 6 * HOUR,
    pending: [5],
    opens: [0, 1],
  },
  {
    campaignId: "spring-sale",
    recipients: 40,
    start: now - 30 * HOUR,
    bounced: [5, 17, 29],
    pending: [38],
    complaints: [{ index: 8, after: 26 * HOUR }],
    opens: [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 0, 1, 2],
    scriptOpens: [30, 31, 32, 33],
    clicks: [
      ...[0, 1, 2, 3, 4, 6, 7, 9, 10, 11].map((index) => ({ index, url: "https://shop.example.com/spring", linkIndex: 0 })),
      ...[0, 1, 2, 3].map((index) => ({ index, url: "https://shop.example.com/spring/shoes", linkIndex: 1 })),
      { index: 0, url: "https://shop.example.com/help", linkIndex: 2 },
    ],
  },
];
const CAMPAIGN = "spring-sale";
const BOUNCED = contactOf(CAMPAIGN, 5);

let worker: InterceptedWorker;
let signer: TestSigner;
let context: BrowserContext;
let profile: string;
const expected = new Map<string, Expected>();
/** Console errors and uncaught exceptions of every page the test opened. */
const problems: string[] = [];
/** Every URL the browser asked for: the token must be in none. */
const requested: string[] = [];

async function api<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${worker.origin}/api${pathAndQuery}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

/** Poll until `check` holds, at most `ms`; the last value seen is in the error. */
async function until<T>(what: string, get: () => Promise<T>, check: (value: T) => boolean, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await get();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
    value = await get();
  }
  return value;
}

async function newPage(viewport = DESKTOP): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
  page.on("request", (request) => requested.push(request.url()));
  return page;
}

async function signIn(page: Page, token: string): Promise<number> {
  await page.getByLabel("API token").fill(token);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/dashboard/session")),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  await page.waitForLoadState("load");
  return response.status();
}

/** What the timeline canvas holds: painted pixels, pixels in the Deliveries series' blue, and a digest of them all. */
async function chartPixels(page: Page): Promise<{ painted: number; series: number; digest: number; id: string }> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>(".chart canvas");
    if (!canvas) return { painted: 0, series: 0, digest: 0, id: "" };
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    let series = 0;
    let digest = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
      if (a > 0) painted++;
      // #0b5fa5, the Deliveries line, give or take antialiasing.
      if (a > 180 && Math.abs(r - 0x0b) < 45 && Math.abs(g - 0x5f) < 45 && Math.abs(b - 0xa5) < 45) series++;
      digest = (Math.imul(digest, 31) + r + 3 * g + 7 * b + 11 * a) >>> 0;
    }
    canvas.dataset.seen ??= String(Math.random());
    return { painted, series, digest, id: canvas.dataset.seen };
  });
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}

/** The campaigns of PLANS, through /sns and tracked requests; resolves once the counters show all of it. */
async function seedAll(): Promise<void> {
  for (const plan of PLANS) expected.set(plan.campaignId, await seedCampaign(worker.origin, signer, plan));
  for (const [campaignId, want] of expected) {
    await until(
      `campaign ${campaignId} counted`,
      async () => (await api<CampaignStats>(`/campaigns/${campaignId}/stats`)).body,
      (stats) => reached(stats, want),
    );
  }
  await until(
    `${BOUNCED} suppressed`,
    async () => (await api(`/suppressions?email=${encodeURIComponent(BOUNCED)}`)).status,
    (status) => status === 200,
  );
}

beforeAll(async () => {
  signer = await createTestSigner();
  worker = await startInterceptedWorker({
    outbound: (request) =>
      request.url === signer.certUrl ? new Response(signer.certificatePem) : new Response("not reachable from the browser test", { status: 502 }),
  });
  profile = mkdtempSync(path.join(tmpdir(), "mail-tracker-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: DESKTOP,
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await worker?.stop();
});

afterEach(() => {
  // Every page of every step: no console error, no uncaught exception (a CSP violation is a console error too).
  expect(problems).toEqual([]);
});

describe("the dashboard in Chromium", () => {
  it("sends a visit without a session to sign-in, and refuses a wrong token", async () => {
    const page = await newPage();
    const answer = await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
    expect(answer?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
    expect(new URL(page.url()).searchParams.get("next")).toBe(`/dashboard/campaigns/${CAMPAIGN}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Sign in to mail-tracker");

    expect(await signIn(page, "not-the-token")).toBe(401);
    // The browser logs the refused form's 401 answer itself ("Failed to load resource"): the one expected console error.
    const refused = problems.findIndex((p) => p.includes("/dashboard/session: Failed to load resource: the server responded with a status of 401"));
    expect(refused).toBeGreaterThanOrEqual(0);
    problems.splice(refused, 1);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong token");
    expect(await context.cookies()).toEqual([]);
    await page.close();
  });

  it("signs in with the API token into an HttpOnly, Secure, SameSite=Strict session, and lands where it was going", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
    expect(await signIn(page, TEST_API_TOKEN)).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/campaigns/${CAMPAIGN}`);
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: "__Host-mt_session", path: "/", httpOnly: true, secure: true, sameSite: "Strict" })]);
    expect(cookies[0]!.value).not.toContain(TEST_API_TOKEN);
    // Scripts cannot read the session.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    await page.close();
  });

  it("shows a new deployment's empty states, each saying what to do next", async () => {
    const page = await newPage();
    await page.goto(`${worker.origin}/dashboard`);
    const empty = page.locator(".empty");
    await empty.waitFor();
    await expect(empty.locator(".empty-title").textContent()).resolves.toBe("No campaigns yet.");
    // How to send the first one, with this deployment's own address in the command.
    await expect(empty.locator("pre code").textContent()).resolves.toContain(`curl -X POST ${worker.origin}/api/send`);
    await page.goto(`${worker.origin}/dashboard/suppressions`);
    await expect(page.locator(".empty-title").textContent()).resolves.toBe("No address is suppressed.");
    await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
    await expect(page.locator(".empty-title").textContent()).resolves.toBe("No events for this campaign yet.");
    await page.goto(`${worker.origin}/dashboard/contacts?email=${encodeURIComponent(BOUNCED)}`);
    await expect(page.locator("[data-suppressed]").getAttribute("data-suppressed")).resolves.toBe("false");
    await expect(page.locator(".empty-title").textContent()).resolves.toBe("No events for this address.");
    await page.close();
  });

  describe("with three campaigns sent through SES events and tracked requests", () => {
    beforeAll(seedAll);

    it("lists the campaigns newest activity first with the API's numbers, sortable", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard`);
      const list = (await api<ApiPage<CampaignListItem>>("/campaigns")).body.items;
      expect(list.map((c) => c.campaignId)).toEqual(["spring-sale", "onboarding", "weekly-digest"]);
      const rows = page.locator("tbody tr[data-campaign]");
      await rows.first().waitFor();
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-campaign")))).toEqual(list.map((c) => c.campaignId));
      for (const c of list) {
        const cells = await texts(page, `tr[data-campaign="${c.campaignId}"] > *`);
        expect(
          cells.map((t) => t.replace(/⚠.*$/, "").trim()),
          c.campaignId,
        ).toEqual([
          c.campaignId,
          formatCount(c.sent),
          formatCount(c.delivered),
          formatRate(c.rates.open),
          formatRate(c.rates.click),
          formatRate(c.rates.bounce),
          formatRate(c.rates.complaint),
          formatDateTime(c.lastEventAt),
        ]);
      }
      // The campaign over an SES threshold is flagged in the list.
      await expect(page.locator('tr[data-campaign="spring-sale"] .badge.warn').count()).resolves.toBe(1);
      await expect(page.locator('tr[data-campaign="onboarding"] .badge.warn').count()).resolves.toBe(0);

      // Sorting by a column reorders the rows and says so to assistive technology.
      await page.getByRole("button", { name: /^Sent/ }).click();
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-campaign")))).toEqual([
        "spring-sale",
        "weekly-digest",
        "onboarding",
      ]);
      await expect(page.locator("th[aria-sort]").getAttribute("aria-sort")).resolves.toBe("descending");
      await page.getByRole("button", { name: /^Sent/ }).click();
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-campaign")))).toEqual([
        "onboarding",
        "weekly-digest",
        "spring-sale",
      ]);
      await page.getByRole("button", { name: /^Last activity/ }).click();
      await page.getByRole("button", { name: /^Last activity/ }).click();
      await page.screenshot({ path: path.join(SCREENSHOTS, "campaigns-desktop.png"), fullPage: true });

      await page.getByRole("link", { name: CAMPAIGN, exact: true }).click();
      await page.waitForURL(`**/dashboard/campaigns/${CAMPAIGN}`);
      await page.close();
    });

    it("shows a campaign with the API's numbers: totals, funnel, SES thresholds, links, machine reasons", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
      const stats = (await api<CampaignStats>(`/campaigns/${CAMPAIGN}/stats`)).body;
      const links = (await api<Links>(`/campaigns/${CAMPAIGN}/links?limit=10`)).body.links;
      await page.locator('[data-field="sent"]').waitFor();
      const field = (name: string) => page.locator(`[data-field="${name}"]`).textContent();
      const shown = {
        sent: await field("sent"),
        delivered: await field("delivered"),
        opens: await field("opens.unique"),
        clicks: await field("clicks.unique"),
        opensMachine: await field("opens.machine"),
        clicksMachine: await field("clicks.machine"),
        bounces: await field("bounces"),
        complaints: await field("complaints"),
        unsubscribes: await field("unsubscribes"),
        delivery: await field("funnel.delivered"),
        open: await field("funnel.opened"),
        click: await field("funnel.clicked"),
        bounceRate: await field("rate.bounce"),
        complaintRate: await field("rate.complaint"),
      };
      expect(shown).toEqual({
        sent: formatCount(stats.sent),
        delivered: formatCount(stats.delivered),
        opens: formatCount(stats.opens.unique),
        clicks: formatCount(stats.clicks.unique),
        opensMachine: formatCount(stats.opens.machine),
        clicksMachine: formatCount(stats.clicks.machine),
        bounces: formatCount(stats.bounces.hard + stats.bounces.soft),
        complaints: formatCount(stats.complaints),
        unsubscribes: formatCount(stats.unsubscribes),
        delivery: `${formatRate(stats.rates.delivery)} of sent`,
        open: `${formatRate(stats.rates.open)} of delivered`,
        click: `${formatRate(stats.rates.click)} of delivered, ${formatRate(stats.rates.clickToOpen)} of openers`,
        bounceRate: formatRate(rateOf(stats.bounces.hard, stats.sent)),
        complaintRate: formatRate(stats.rates.complaint),
      });
      // 3 hard bounces of 40 sent (7.5%) and 1 complaint of 36 delivered (2.78%): both past SES's review thresholds.
      expect(stats).toMatchObject({ sent: 40, delivered: 36, bounces: { hard: 3 }, complaints: 1 });
      const alert = page.locator('[data-alert="reputation"]');
      await expect(alert.getAttribute("role")).resolves.toBe("alert");
      await expect(alert.textContent()).resolves.toMatch(/Hard bounce rate: 7\.5%.*Complaint rate: 2\.78%/);

      // Top links: the API's order and numbers.
      const linkRows = await page
        .locator('section[aria-labelledby="links-title"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
      expect(linkRows).toEqual(
        links.map((l) => [
          `#${(l.linkIndex ?? 0) + 1} ${l.url}`,
          formatCount(l.clicks.total),
          formatCount(l.clicks.unique),
          formatCount(l.clicks.machine),
        ]),
      );

      // Machine reasons: a breakdown once classification exists, until then "nothing classified yet" (not zeros).
      const machine = page.locator('section[aria-labelledby="machine-title"]');
      if (stats.opens.machineByReason === undefined && stats.clicks.machineByReason === undefined) {
        await expect(machine.textContent()).resolves.toContain("Nothing classified yet.");
        await expect(machine.locator("table").count()).resolves.toBe(0);
      } else {
        const reasons = Object.entries({ ...stats.opens.machineByReason, ...stats.clicks.machineByReason }).filter(
          ([r]) => (stats.opens.machineByReason?.[r] ?? 0) + (stats.clicks.machineByReason?.[r] ?? 0) > 0,
        );
        await expect(machine.locator("tbody tr").count()).resolves.toBe(reasons.length);
      }
      // Who engaged: three CSV downloads, each read through the dashboard's session.
      const downloads = page.locator('section[aria-labelledby="recipients-title"] a[download]');
      await expect(downloads.count()).resolves.toBe(3);
      const href = await downloads.first().getAttribute("href");
      const csv = await page.evaluate(async (url) => {
        const r = await fetch(url ?? "");
        return [r.headers.get("content-type"), await r.text()];
      }, href);
      expect(csv[0]).toBe("text/csv; charset=utf-8");
      expect(csv[1]).toMatch(/^email,contact_id,engaged,machine_only,first_engaged_at,last_engaged_at\r\n/);
      await page.close();
    });

    it("draws the timeline chart and redraws it when switching between hours and days, with a table of the same numbers", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
      const hours = (await api<Timeline>(`/campaigns/${CAMPAIGN}/timeline?bucket=hour`)).body;
      const days = (await api<Timeline>(`/campaigns/${CAMPAIGN}/timeline?bucket=day`)).body;
      expect(hours.points.length).toBeGreaterThan(24);
      expect(days.points.length).toBeLessThan(hours.points.length);

      await page.locator('.chart[data-bucket="hour"] canvas').waitFor();
      const hourly = await until(
        "the hourly chart drawn",
        () => chartPixels(page),
        (p) => p.series > 200,
      );
      expect(hourly.painted).toBeGreaterThan(2000);

      const table = page.locator("details table tbody tr");
      await page.getByText("The chart's numbers as a table").click();
      expect(await table.count()).toBe(hours.points.length);

      await page.getByLabel("Day").check();
      await page.locator('.chart[data-bucket="day"] canvas').waitFor();
      const daily = await until(
        "the daily chart drawn",
        () => chartPixels(page),
        (p) => p.id !== hourly.id && p.series > 100,
      );
      expect(daily.digest).not.toBe(hourly.digest);
      expect(await table.count()).toBe(days.points.length);
      const deliveries = days.points.map((p) => [formatBucket(p.start, "day"), formatCount(p.delivered)]);
      expect(await table.evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]))).toEqual(deliveries);

      await page.getByLabel("Hour").check();
      await page.locator('.chart[data-bucket="hour"] canvas').waitFor();
      const again = await until(
        "the hourly chart drawn again",
        () => chartPixels(page),
        (p) => p.id !== daily.id && p.series > 200,
      );
      expect(again.digest).toBe(hourly.digest);

      await page.getByText("The chart's numbers as a table").click();
      await page.screenshot({ path: path.join(SCREENSHOTS, "campaign-desktop.png"), fullPage: true });
      await page.close();
    });

    it("fits a phone-width screen", async () => {
      const page = await newPage(PHONE);
      await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
      await page.locator(".chart canvas").waitFor();
      await until(
        "the chart drawn",
        () => chartPixels(page),
        (p) => p.series > 100,
      );
      // Nothing wider than the screen: wide tables scroll inside their own region.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await page.screenshot({ path: path.join(SCREENSHOTS, "campaign-phone.png"), fullPage: true });
      await page.close();
    });

    it("keeps the campaign page light: its HTML, script, stylesheet and icon come to under 50 KB gzipped", async () => {
      const page = await newPage();
      // A first visit's weight: nothing from the browser's cache.
      await (await context.newCDPSession(page)).send("Network.setCacheDisabled", { cacheDisabled: true });
      const files = new Map<string, number>();
      page.on("response", async (response) => {
        const url = new URL(response.url());
        if (response.status() === 200 && (url.pathname.startsWith("/dashboard/static/") || url.pathname === `/dashboard/campaigns/${CAMPAIGN}`)) {
          files.set(url.pathname, gzipSync(await response.body()).length);
        }
      });
      await page.goto(`${worker.origin}/dashboard/campaigns/${CAMPAIGN}`);
      await page.locator(".chart canvas").waitFor();
      await until(
        "the page and its files measured",
        async () => files.size,
        (n) => n >= 3,
        20_000,
      );
      // Headless Chromium asks for no icon; a browser with tabs does.
      if (!files.has("/dashboard/static/icon.svg")) {
        files.set("/dashboard/static/icon.svg", gzipSync(await (await page.request.get(`${worker.origin}/dashboard/static/icon.svg`)).body()).length);
      }
      const total = [...files.values()].reduce((a, b) => a + b, 0);
      console.log(
        `campaign page, gzipped: ${[...files].map(([file, n]) => `${file} ${n} B`).join(", ")}; ${total} B in all (data answers not counted)`,
      );
      expect([...files.keys()].sort()).toEqual([
        `/dashboard/campaigns/${CAMPAIGN}`,
        "/dashboard/static/app.css",
        "/dashboard/static/app.js",
        "/dashboard/static/icon.svg",
      ]);
      expect(total).toBeLessThan(50 * 1024);
      await page.close();
    });

    it("is usable by keyboard: a skip link first, then the navigation", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard`);
      await page.locator("tbody tr").first().waitFor();
      await page.keyboard.press("Tab");
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Skip to content");
      await page.keyboard.press("Enter");
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      // Focus is on a control inside the table (a sort button), then Enter sorts.
      await expect(page.evaluate(() => document.activeElement?.closest("table") !== null)).resolves.toBe(true);
      await page.close();
    });

    it("finds a suppressed address with its history, and lifts it only after confirmation", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard/contacts`);
      await page.getByLabel("Email address").fill(BOUNCED);
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/dashboard\/contacts\?email=/);
      const state = page.locator("[data-suppressed]");
      await state.waitFor();
      await expect(state.getAttribute("data-suppressed")).resolves.toBe("true");
      await expect(page.locator('[data-field="reason"]').textContent()).resolves.toBe("Hard bounce");
      const events = (await api<ApiPage<ContactEvent>>(`/contacts/${encodeURIComponent(BOUNCED)}/events?limit=50`)).body.items;
      expect(await page.locator("tr[data-event-type]").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-event-type")))).toEqual(
        events.map((e) => e.type),
      );
      expect(events.map((e) => e.type).sort()).toEqual(["bounce", "send"]);
      await page.screenshot({ path: path.join(SCREENSHOTS, "contact-desktop.png"), fullPage: true });

      // Cancel changes nothing.
      await page.getByRole("button", { name: "Lift suppression…" }).click();
      const dialog = page.getByRole("dialog", { name: "Lift this suppression?" });
      await dialog.waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      expect((await api(`/suppressions?email=${encodeURIComponent(BOUNCED)}`)).status).toBe(200);

      await page.getByRole("button", { name: "Lift suppression…" }).click();
      await dialog.getByRole("button", { name: "Lift suppression" }).click();
      await page.locator('[data-suppressed="false"]').waitFor();
      expect((await api(`/suppressions?email=${encodeURIComponent(BOUNCED)}`)).status).toBe(404);
      await page.close();
    });

    it("searches the suppressions", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard/suppressions`);
      const complained = contactOf(CAMPAIGN, 8);
      await page.locator("tr[data-email]").first().waitFor();
      const all = (await api<{ items: { email: string }[] }>("/suppressions?limit=50")).body.items.map((s) => s.email);
      expect(await page.locator("tr[data-email]").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-email")))).toEqual(all);
      await page.getByLabel("Search addresses").fill("READER8@");
      await page.keyboard.press("Enter");
      await page.waitForURL(/q=READER8%40/);
      await page.locator(`tr[data-email="${complained}"]`).waitFor();
      expect(await page.locator("tr[data-email]").count()).toBe(1);
      await expect(page.locator(`tr[data-email="${complained}"]`).textContent()).resolves.toContain("Complaint");
      await page.close();
    });

    it("signs out: the session is gone and the pages ask for the token again; the token was never in a URL", async () => {
      const page = await newPage();
      await page.goto(`${worker.origin}/dashboard`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/dashboard\/sign-in$/);
      expect(await context.cookies()).toEqual([]);
      await page.goto(`${worker.origin}/dashboard/suppressions`);
      expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
      expect(requested.filter((url) => url.includes(TEST_API_TOKEN))).toEqual([]);
      await page.close();
    });
  });
});
