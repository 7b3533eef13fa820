// GET /metrics: Prometheus's text format, behind the API token, read from counters (docs/OPERATIONS.md "Metrics").

import { Hono } from "hono";
import { database } from "../db/client";
import { activeCampaigns, stateCounts, type StateCount } from "../db/metrics";
import type { Counter } from "../domain/api-contract";
import { errorFields, log } from "../lib/log";
import { exposition, PROMETHEUS_CONTENT_TYPE, type Family, type Sample } from "../lib/prometheus";
import { accountTotals, type CounterValues } from "../objects/account-counters";
import { accountGuard } from "../objects/account-guard";
import { campaignReport } from "../objects/stats-client";
import { requireApiToken } from "./auth";
import type { AppEnv } from "./app-env";

/** Per-campaign series: at most this many campaigns, those with an event in the last ACTIVE_MS. */
export const METRICS_CAMPAIGNS = 100;
const ACTIVE_MS = 7 * 24 * 3_600_000;

/** The account counters as `mail_tracker_events_total{type, verdict}`; unique counters are not events and stay out. */
const EVENT_SERIES: ReadonlyArray<[Counter, string, string]> = [
  ["sent", "sent", "none"],
  ["delivered", "delivered", "none"],
  ["rejected", "rejected", "none"],
  ["bouncesHard", "bounce_hard", "none"],
  ["bouncesSoft", "bounce_soft", "none"],
  ["complaints", "complaint", "none"],
  ["deliveryDelays", "delivery_delay", "none"],
  ["renderingFailures", "rendering_failure", "none"],
  ["subscriptionChanges", "subscription_change", "none"],
  ["unsubscribeEvents", "unsubscribe", "none"],
  ["opens", "open", "human"],
  ["opensMachine", "open", "machine"],
  ["opensSes", "open", "ses"],
  ["clicks", "click", "human"],
  ["clicksMachine", "click", "machine"],
  ["clicksSes", "click", "ses"],
];

const QUEUES = [
  ["events", "EVENTS"],
  ["send", "SEND_QUEUE"],
  ["webhooks", "WEBHOOK_QUEUE"],
] as const;

function eventFamily(totals: CounterValues): Family {
  return {
    name: "mail_tracker_events_total",
    help: "Events counted over all campaigns, by type and verdict (human or machine for opens and clicks; ses when SES reported them).",
    type: "counter",
    samples: EVENT_SERIES.map(([counter, type, verdict]) => ({ labels: { type, verdict }, value: totals[counter] ?? 0 })),
  };
}

const byState = (rows: readonly StateCount[]): Sample[] => rows.map((r) => ({ labels: { state: r.state }, value: r.n }));

/** Queue backlogs where the runtime has Queue.metrics(); a queue without it (local Miniflare) has no series. */
async function queueFamilies(env: Env): Promise<Family[]> {
  const read = QUEUES.map(async ([label, binding]) => {
    const q = env[binding] as Partial<Queue> | undefined;
    if (typeof q?.metrics !== "function") return null;
    try {
      return { label, m: await q.metrics() };
    } catch (err) {
      log.warn("queue metrics unavailable", { queue: label, ...errorFields(err) });
      return null;
    }
  });
  const got = (await Promise.all(read)).filter((r) => r !== null);
  return [
    {
      name: "mail_tracker_queue_backlog_messages",
      help: "Messages waiting in the queue.",
      type: "gauge",
      samples: got.map((g) => ({ labels: { queue: g.label }, value: g.m.backlogCount })),
    },
    {
      name: "mail_tracker_queue_backlog_bytes",
      help: "Bytes waiting in the queue.",
      type: "gauge",
      samples: got.map((g) => ({ labels: { queue: g.label }, value: g.m.backlogBytes })),
    },
  ];
}

/** The campaigns active in the last 7 days (at most METRICS_CAMPAIGNS): one call to each one's counters. */
async function campaignFamilies(env: Env, now: number): Promise<Family[]> {
  const ids = await activeCampaigns(database(env.DB), now - ACTIVE_MS, METRICS_CAMPAIGNS);
  const reports = await Promise.all(ids.map((id) => campaignReport(env.CAMPAIGN_STATS, id)));
  const per = (pick: (r: (typeof reports)[number]) => number) => reports.map((r) => ({ labels: { campaign: r.campaignId }, value: pick(r) }));
  return [
    {
      name: "mail_tracker_campaign_sent_total",
      help: "Messages sent, per campaign active in the last 7 days.",
      type: "counter",
      samples: per((r) => r.sent),
    },
    { name: "mail_tracker_campaign_delivered_total", help: "Messages delivered, per campaign.", type: "counter", samples: per((r) => r.delivered) },
    {
      name: "mail_tracker_campaign_delivery_rate",
      help: "Delivered ÷ sent, per campaign (the stats' rates.delivery).",
      type: "gauge",
      samples: per((r) => r.rates.delivery),
    },
    {
      name: "mail_tracker_campaign_bounce_rate",
      help: "Bounces (hard and soft) ÷ sent, per campaign (rates.bounce).",
      type: "gauge",
      samples: per((r) => r.rates.bounce),
    },
    {
      name: "mail_tracker_campaign_complaint_rate",
      help: "Complaints ÷ delivered, per campaign (rates.complaint).",
      type: "gauge",
      samples: per((r) => r.rates.complaint),
    },
    {
      name: "mail_tracker_campaign_guard_paused",
      help: "1 when the campaign's reputation guard has paused its sends.",
      type: "gauge",
      samples: per((r) => (r.guard.paused ? 1 : 0)),
    },
    {
      name: "mail_tracker_campaign_guards_paused",
      help: "Campaigns paused by their guard, among those listed here.",
      type: "gauge",
      samples: [{ value: reports.filter((r) => r.guard.paused).length }],
    },
  ];
}

export async function metricsText(env: Env, now: number): Promise<string> {
  const [totals, states, queues, campaigns, account] = await Promise.all([
    accountTotals(env.ACCOUNT_COUNTERS),
    stateCounts(database(env.DB)),
    queueFamilies(env),
    campaignFamilies(env, now),
    accountGuard(env.ACCOUNT_GUARD).state(),
  ]);
  return exposition([
    eventFamily(totals),
    ...queues,
    {
      name: "mail_tracker_dead_letters_pending",
      help: "Dead letters waiting for a replay (D1 dead_letters).",
      type: "gauge",
      samples: [{ value: states.deadLettersPending }],
    },
    { name: "mail_tracker_sends", help: "Campaign and API sends (D1 deliveries) by state.", type: "gauge", samples: byState(states.sends) },
    { name: "mail_tracker_webhook_deliveries", help: "Webhook deliveries (D1) by state.", type: "gauge", samples: byState(states.webhooks) },
    {
      name: "mail_tracker_account_guard_paused",
      help: "1 when the account-wide reputation guard has paused every campaign.",
      type: "gauge",
      samples: [{ value: account.paused ? 1 : 0 }],
    },
    ...campaigns,
  ]);
}

export const metrics = new Hono<AppEnv>();

metrics.use("*", requireApiToken);
metrics.get("/", async (c) => c.body(await metricsText(c.env, Date.now()), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }));
