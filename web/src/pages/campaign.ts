// One campaign: headline numbers, the delivery funnel, bounce and complaint rates against SES's thresholds, the
// timeline chart (hour or day) with its table, the top links, and machine opens and clicks by reason.

import { getJson, query } from "../api";
import { audienceSection } from "../audience";
import { TimelineChart, TIMELINE_SERIES } from "../chart";
import { bar, emptyState, errorMessage, fill, h, scroller, type Child } from "../dom";
import { formatBucket, formatCount, formatMachineReason, formatRate, plural } from "../format";
import { providersSection } from "../providers";
import { reputation, type RateCheck } from "../reputation";
import { dataTable } from "../table";
import { recipientsDownloads } from "./recipients-download";
import type { Bucket, CampaignStats, LinkRow, Links, Timeline } from "../types";

const TOP_LINKS = 10;

function section(id: string, title: string, ...content: Child[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function figure(label: string, field: string, value: number, note?: string): HTMLElement {
  return h(
    "div",
    { class: "figure" },
    h("dt", {}, label),
    h(
      "dd",
      {},
      h("span", { class: "figure-value", "data-field": field }, formatCount(value)),
      note ? h("span", { class: "figure-note" }, note) : null,
    ),
  );
}

function summary(s: CampaignStats): HTMLElement {
  return h(
    "dl",
    { class: "figures", "aria-label": "Campaign totals" },
    figure("Sent", "sent", s.sent, s.rejected ? `${formatCount(s.rejected)} rejected` : undefined),
    figure("Delivered", "delivered", s.delivered, `${formatRate(s.rates.delivery)} of sent`),
    figure("Opened (people)", "opens.unique", s.opens.unique, `${formatCount(s.opens.total)} human opens`),
    figure("Clicked (people)", "clicks.unique", s.clicks.unique, `${formatCount(s.clicks.total)} human clicks`),
    figure("Machine opens", "opens.machine", s.opens.machine),
    figure("Machine clicks", "clicks.machine", s.clicks.machine),
    figure("Bounces", "bounces", s.bounces.hard + s.bounces.soft, `${formatCount(s.bounces.hard)} hard, ${formatCount(s.bounces.soft)} soft`),
    figure("Complaints", "complaints", s.complaints),
    figure("Unsubscribes", "unsubscribes", s.unsubscribes),
  );
}

function funnel(s: CampaignStats): HTMLElement {
  const steps = [
    { key: "sent", label: "Sent", n: s.sent, rate: null as string | null },
    { key: "delivered", label: "Delivered", n: s.delivered, rate: `${formatRate(s.rates.delivery)} of sent` },
    { key: "opened", label: "Opened", n: s.opens.unique, rate: `${formatRate(s.rates.open)} of delivered` },
    {
      key: "clicked",
      label: "Clicked",
      n: s.clicks.unique,
      rate: `${formatRate(s.rates.click)} of delivered, ${formatRate(s.rates.clickToOpen)} of openers`,
    },
  ];
  const widest = Math.max(1, ...steps.map((step) => step.n));
  return section(
    "funnel-title",
    "Delivery funnel",
    h(
      "ol",
      { class: "funnel" },
      ...steps.map((step) =>
        h(
          "li",
          { "data-step": step.key },
          h("span", { class: "step-label" }, step.label),
          h("span", { class: "step-count" }, formatCount(step.n)),
          step.rate ? h("span", { class: "step-rate", "data-field": `funnel.${step.key}` }, step.rate) : null,
          bar(step.n / widest),
        ),
      ),
    ),
    h("p", { class: "hint" }, "Opened and clicked count people (each once), human opens and clicks only."),
  );
}

const METRIC_TEXT = {
  bounce: { title: "Hard bounce rate", of: "sent", one: "hard bounce", many: "hard bounces" },
  complaint: { title: "Complaint rate", of: "delivered", one: "complaint", many: "complaints" },
} as const;

function gauge(check: RateCheck, count: number): HTMLElement {
  const text = METRIC_TEXT[check.metric];
  // The scale runs a quarter past the pause threshold, so both thresholds and a rate beyond them stay visible.
  const scale = check.pause * 1.25;
  const track = h("span", { class: "gauge-track", "aria-hidden": "true" });
  const fillBar = h("span", { class: `gauge-fill ${check.level}` });
  fillBar.style.width = `${Math.min(1, check.rate / scale) * 100}%`;
  const review = h("span", { class: "gauge-mark review" });
  review.style.left = `${(check.review / scale) * 100}%`;
  const pause = h("span", { class: "gauge-mark pause" });
  pause.style.left = `${(check.pause / scale) * 100}%`;
  track.append(fillBar, review, pause);
  const status =
    check.level === "pause"
      ? `At or above ${formatRate(check.pause)}: SES may pause sending.`
      : check.level === "review"
        ? `At or above ${formatRate(check.review)}: SES reviews accounts at this rate.`
        : `Below ${formatRate(check.review)}, the rate at which SES reviews an account.`;
  return h(
    "div",
    { class: `gauge ${check.level}`, "data-metric": check.metric },
    h("p", { class: "gauge-title" }, text.title, " ", h("strong", { "data-field": `rate.${check.metric}` }, formatRate(check.rate))),
    track,
    h("p", { class: "gauge-status" }, check.level === "ok" ? "✓ " : "⚠ ", status),
    h(
      "p",
      { class: "hint" },
      `${plural(count, text.one, text.many)} of ${formatCount(check.over)} ${text.of}. Review at ${formatRate(check.review)}, pause at ${formatRate(check.pause)}.`,
    ),
  );
}

function reputationSection(s: CampaignStats): HTMLElement {
  const r = reputation(s);
  return section(
    "reputation-title",
    "Bounces and complaints against SES thresholds",
    gauge(r.bounce, s.bounces.hard),
    gauge(r.complaint, s.complaints),
    h("p", { class: "hint" }, `All bounces, soft ones included: ${formatRate(s.rates.bounce)} of sent. SES counts hard bounces only.`),
  );
}

function reputationAlert(s: CampaignStats): HTMLElement | null {
  const r = reputation(s);
  const over = [r.bounce, r.complaint].filter((c) => c.level !== "ok");
  if (over.length === 0) return null;
  return h(
    "div",
    { class: "alert", role: "alert", "data-alert": "reputation" },
    h("h2", {}, "⚠ This campaign is over an SES threshold"),
    ...over.map((c) =>
      h(
        "p",
        {},
        `${METRIC_TEXT[c.metric].title}: ${formatRate(c.rate)}. `,
        c.level === "pause"
          ? `At ${formatRate(c.pause)} or more SES may pause this account's sending.`
          : `At ${formatRate(c.review)} or more SES puts the account under review.`,
      ),
    ),
    h("p", {}, "Stop sending to addresses that bounce or complain (they are suppressed automatically), and check the list this campaign went to."),
  );
}

function timelineTable(timeline: Timeline): HTMLTableElement {
  const bucket = timeline.bucket;
  return dataTable({
    caption: `Activity per ${bucket} (UTC)`,
    columns: [
      { key: "start", label: bucket === "day" ? "Day" : "Hour", cell: (p) => formatBucket(p.start, bucket) },
      ...TIMELINE_SERIES.map((s) => ({
        key: s.key,
        label: s.label,
        numeric: true,
        cell: (p: Timeline["points"][number]) => formatCount(s.value(p)),
      })),
    ],
    rows: timeline.points,
  });
}

function timelineSection(campaignId: string, first: Timeline): HTMLElement {
  const host = h("div", {
    class: "chart",
    role: "img",
    "aria-label":
      "Line chart of deliveries, human and machine opens and clicks, bounces and complaints over time; the same numbers are in the table below it.",
  });
  const status = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const tableHolder = h("div");
  const chart = new TimelineChart(host);
  const show = (timeline: Timeline) => {
    chart.show(timeline);
    fill(tableHolder, scroller("Timeline table", timelineTable(timeline)));
    host.dataset.bucket = timeline.bucket;
    status.textContent = `Showing ${timeline.points.length} ${timeline.bucket === "day" ? "days" : "hours"}.`;
  };
  const radios = (["hour", "day"] as const).map((bucket) =>
    h("input", {
      type: "radio",
      name: "bucket",
      value: bucket,
      id: `bucket-${bucket}`,
      checked: bucket === first.bucket,
      onchange: async () => {
        try {
          show(await getJson<Timeline>(`/campaigns/${encodeURIComponent(campaignId)}/timeline${query({ bucket })}`));
        } catch (err) {
          fill(tableHolder, errorMessage("the timeline", err));
        }
      },
    }),
  );
  const node = section(
    "timeline-title",
    "Activity over time",
    h(
      "fieldset",
      { class: "bucket" },
      h("legend", {}, "Group by"),
      ...radios.map((radio) => h("label", { for: radio.id }, radio, radio.value === "hour" ? " Hour" : " Day")),
    ),
    h("figure", {}, host, h("figcaption", { class: "hint" }, "Times in UTC. Dashed lines are machine opens and clicks.")),
    status,
    h("details", {}, h("summary", {}, "The chart's numbers as a table"), tableHolder),
  );
  // Drawn once the section is in the page, so the chart takes the width it is given.
  queueMicrotask(() => show(first));
  return node;
}

function linkText(link: LinkRow): string {
  const index = link.linkIndex === null ? "" : `#${link.linkIndex + 1} `;
  return `${index}${link.url ?? "(unknown link)"}`;
}

function linksSection(links: Links): HTMLElement {
  if (links.links.length === 0) {
    return section(
      "links-title",
      "Top links",
      emptyState("No clicks yet.", h("p", {}, "Clicks on this campaign's tracked links are counted here, most clicked first.")),
    );
  }
  return section(
    "links-title",
    "Top links",
    scroller(
      "Top links table",
      dataTable({
        caption: `The ${Math.min(TOP_LINKS, links.links.length)} most clicked links`,
        columns: [
          { key: "url", label: "Link", cell: (l) => h("span", { class: "url", title: l.url ?? "" }, linkText(l)) },
          { key: "human", label: "Human clicks", numeric: true, cell: (l) => formatCount(l.clicks.total) },
          { key: "people", label: "People", numeric: true, cell: (l) => formatCount(l.clicks.unique) },
          { key: "machine", label: "Machine clicks", numeric: true, cell: (l) => formatCount(l.clicks.machine) },
        ],
        rows: links.links,
      }),
    ),
  );
}

function machineSection(s: CampaignStats): HTMLElement {
  const opens = s.opens.machineByReason;
  const clicks = s.clicks.machineByReason;
  if (opens === undefined && clicks === undefined) {
    return section(
      "machine-title",
      "Machine opens and clicks by reason",
      emptyState(
        "Nothing classified yet.",
        h(
          "p",
          {},
          "This deployment does not sort machine opens and clicks by reason yet, so there is no breakdown to show (which is not the same as none). ",
          `Counted as machine so far: ${formatCount(s.opens.machine)} opens, ${formatCount(s.clicks.machine)} clicks.`,
        ),
      ),
    );
  }
  const reasons = [...new Set([...Object.keys(opens ?? {}), ...Object.keys(clicks ?? {})])]
    .map((reason) => ({ reason, opens: opens?.[reason] ?? 0, clicks: clicks?.[reason] ?? 0 }))
    .filter((r) => r.opens + r.clicks > 0)
    .sort((a, b) => b.opens + b.clicks - (a.opens + a.clicks) || a.reason.localeCompare(b.reason));
  if (reasons.length === 0) {
    return section(
      "machine-title",
      "Machine opens and clicks by reason",
      emptyState("No machine opens or clicks in this campaign.", h("p", {}, "Every open and click so far looks like a person's.")),
    );
  }
  const widest = Math.max(1, ...reasons.map((r) => Math.max(r.opens, r.clicks)));
  return section(
    "machine-title",
    "Machine opens and clicks by reason",
    scroller(
      "Machine reasons table",
      dataTable({
        caption: "Why opens and clicks were counted as machines'",
        columns: [
          { key: "reason", label: "Reason", cell: (r) => formatMachineReason(r.reason) },
          {
            key: "opens",
            label: "Opens",
            numeric: true,
            sortValue: (r) => r.opens,
            cell: (r) => h("span", { class: "bar-cell" }, formatCount(r.opens), bar(r.opens / widest, "opens")),
          },
          {
            key: "clicks",
            label: "Clicks",
            numeric: true,
            sortValue: (r) => r.clicks,
            cell: (r) => h("span", { class: "bar-cell" }, formatCount(r.clicks), bar(r.clicks / widest, "clicks")),
          },
        ],
        rows: reasons,
      }),
    ),
  );
}

function noEvents(campaignId: string): HTMLElement {
  return emptyState(
    "No events for this campaign yet.",
    h(
      "p",
      {},
      `Nothing has been recorded under the id "${campaignId}". Events appear here once mail tagged with it is sent, delivered, opened or clicked. `,
      h("a", { href: "/dashboard" }, "Back to the campaigns"),
      ".",
    ),
  );
}

export async function campaignPage(region: HTMLElement): Promise<void> {
  const campaignId = region.dataset.campaignId ?? "";
  const base = `/campaigns/${encodeURIComponent(campaignId)}`;
  let stats: CampaignStats;
  let links: Links;
  let timeline: Timeline;
  try {
    [stats, links, timeline] = await Promise.all([
      getJson<CampaignStats>(`${base}/stats`),
      getJson<Links>(`${base}/links${query({ limit: TOP_LINKS })}`),
      getJson<Timeline>(`${base}/timeline${query({ bucket: "hour" satisfies Bucket })}`),
    ]);
  } catch (err) {
    fill(region, errorMessage("this campaign", err));
    return;
  }
  if (timeline.points.length === 0) {
    fill(region, noEvents(campaignId));
    return;
  }
  fill(
    region,
    reputationAlert(stats),
    h("h2", { class: "visually-hidden" }, "Totals"),
    summary(stats),
    h("div", { class: "cards" }, funnel(stats), reputationSection(stats)),
    timelineSection(campaignId, timeline),
    h("div", { class: "cards" }, linksSection(links), machineSection(stats)),
    audienceSection(campaignId),
    providersSection(base),
    recipientsDownloads(campaignId),
  );
}
