// Turning counters into what the API answers: the stats contract with its rates, timelines, links.

import type { Bucket, CampaignStatsReport, TimelinePoint } from "../domain/api-contract";
import { HOUR_MS, zeroCounts, type Counter, type Counts } from "./counting";

// The answers' types are the API contract's (src/domain/api-contract.ts); these modules build them.
export type { Bucket, CampaignStatsReport, TimelinePoint };

/** Machine opens and clicks per reason code: rows `opensMachine:<reason>` and `clicksMachine:<reason>` of counters. */
export interface MachineByReason {
  opens: Record<string, number>;
  clicks: Record<string, number>;
}

export interface HourRow {
  hour: number;
  name: Counter;
  n: number;
}

export interface LinkRow {
  linkIndex: number | null;
  url: string | null;
  total: number;
  unique: number;
  machine: number;
}

const NO_REASONS: MachineByReason = { opens: {}, clicks: {} };

/** A fraction in [0, 1] (it can exceed 1 only when delivery events are missing), 4 decimals; 0 when nothing to divide by. */
export function rate(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0;
}

/** The rates are defined in docs/API.md ("Campaign numbers"); keep the two in step. */
export function statsReport(campaignId: string, c: Counts, reasons: MachineByReason = NO_REASONS): CampaignStatsReport {
  return {
    campaignId,
    sent: c.sent,
    delivered: c.delivered,
    rejected: c.rejected,
    opens: { total: c.opens, unique: c.opensUnique, machine: c.opensMachine, machineByReason: { ...reasons.opens }, ses: c.opensSes },
    clicks: { total: c.clicks, unique: c.clicksUnique, machine: c.clicksMachine, machineByReason: { ...reasons.clicks }, ses: c.clicksSes },
    bounces: { hard: c.bouncesHard, soft: c.bouncesSoft },
    complaints: c.complaints,
    unsubscribes: c.unsubscribes,
    deliveryDelays: c.deliveryDelays,
    renderingFailures: c.renderingFailures,
    subscriptionChanges: c.subscriptionChanges,
    rates: {
      delivery: rate(c.delivered, c.sent),
      open: rate(c.opensUnique, c.delivered),
      click: rate(c.clicksUnique, c.delivered),
      clickToOpen: rate(c.clicksUnique, c.opensUnique),
      bounce: rate(c.bouncesHard + c.bouncesSoft, c.sent),
      complaint: rate(c.complaints, c.delivered),
      unsubscribe: rate(c.unsubscribes, c.delivered),
    },
  };
}

/** Hours per bucket. Days are UTC days. */
export const BUCKET_HOURS: Record<Bucket, number> = { hour: 1, day: 24 };

/** The most points one timeline answer holds. */
export const MAX_TIMELINE_POINTS = 2000;

export type RangeResult = { ok: true; fromHour: number; toHour: number } | { ok: true; empty: true } | { ok: false; reason: string };

/**
 * The hours [fromHour, toHour) a timeline covers, aligned to whole buckets. Bounds not given default
 * to the campaign's first and last active hour (`extent`); a defaulted range longer than the limit
 * keeps its most recent part, an explicit one is refused.
 */
export function timelineRange(
  bucket: Bucket,
  from: number | undefined,
  to: number | undefined,
  extent: { first: number; last: number } | null,
): RangeResult {
  const size = BUCKET_HOURS[bucket];
  const bucketMs = size * HOUR_MS;
  const fromHour = from !== undefined ? Math.floor(from / bucketMs) * size : extent ? Math.floor(extent.first / size) * size : null;
  const toHour = to !== undefined ? Math.ceil(to / bucketMs) * size : extent ? (Math.floor(extent.last / size) + 1) * size : null;
  if (fromHour === null || toHour === null) return { ok: true, empty: true };
  if (toHour <= fromHour) return from !== undefined && to !== undefined ? { ok: false, reason: "to must be after from" } : { ok: true, empty: true };
  const points = (toHour - fromHour) / size;
  if (points <= MAX_TIMELINE_POINTS) return { ok: true, fromHour, toHour };
  if (from !== undefined && to !== undefined) {
    return { ok: false, reason: `at most ${MAX_TIMELINE_POINTS} ${bucket} buckets per request; narrow from/to or use a larger bucket` };
  }
  return from !== undefined
    ? { ok: true, fromHour, toHour: fromHour + MAX_TIMELINE_POINTS * size }
    : { ok: true, fromHour: toHour - MAX_TIMELINE_POINTS * size, toHour };
}

/** Every bucket in the range, empty ones as zeros, so a chart can plot the series as it is. */
export function timelinePoints(bucket: Bucket, fromHour: number, toHour: number, rows: readonly HourRow[]): TimelinePoint[] {
  const size = BUCKET_HOURS[bucket];
  const points: TimelinePoint[] = [];
  for (let h = fromHour; h < toHour; h += size) points.push({ start: new Date(h * HOUR_MS).toISOString(), ...zeroCounts() });
  for (const row of rows) {
    const point = points[Math.floor((row.hour - fromHour) / size)];
    if (point) point[row.name] += row.n;
  }
  return points;
}

export function linksReport(rows: readonly LinkRow[]) {
  return rows.map((r) => ({ linkIndex: r.linkIndex, url: r.url, clicks: { total: r.total, unique: r.unique, machine: r.machine } }));
}
