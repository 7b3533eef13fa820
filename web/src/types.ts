// The /api answers the dashboard reads (docs/API.md is the contract), as the browser sees them through /dashboard/api.
// Written out here rather than imported from src/: the worker's modules bring the Workers types, which clash with the
// DOM's in a browser program.

export interface Rates {
  delivery: number;
  open: number;
  click: number;
  clickToOpen: number;
  bounce: number;
  complaint: number;
  unsubscribe: number;
}

export interface Interactions {
  total: number;
  unique: number;
  machine: number;
  ses: number;
  /** Machine opens or clicks per classification reason; absent while this deployment classifies none by reason. */
  machineByReason?: Record<string, number>;
}

export interface CampaignStats {
  campaignId: string;
  sent: number;
  delivered: number;
  rejected: number;
  opens: Interactions;
  clicks: Interactions;
  bounces: { hard: number; soft: number };
  complaints: number;
  unsubscribes: number;
  deliveryDelays: number;
  renderingFailures: number;
  subscriptionChanges: number;
  rates: Rates;
}

/** An item of GET /api/campaigns (a Page of them). */
export interface CampaignListItem extends CampaignStats {
  firstEventAt: string | null;
  lastEventAt: string | null;
}

export type Bucket = "hour" | "day";

/** One bucket: its start and every counter (src/stats/counting.ts COUNTERS). */
export interface TimelinePoint {
  start: string;
  delivered: number;
  opens: number;
  opensMachine: number;
  clicks: number;
  clicksMachine: number;
  bouncesHard: number;
  bouncesSoft: number;
  complaints: number;
  [counter: string]: number | string;
}

export interface Timeline {
  campaignId: string;
  bucket: Bucket;
  from: string | null;
  to: string | null;
  points: TimelinePoint[];
}

export interface LinkRow {
  linkIndex: number | null;
  url: string | null;
  clicks: { total: number; unique: number; machine: number };
}

export interface Links {
  campaignId: string;
  links: LinkRow[];
}

export interface Suppression {
  email: string;
  reason: string;
  since: string;
  expiresAt: string | null;
  eventId: string | null;
}

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface ContactEvent {
  id: string;
  type: string;
  campaignId: string | null;
  email: string | null;
  sesMessageId: string | null;
  occurredAt: string;
  link: string | null;
  linkIndex: number | null;
  userAgent: string | null;
  ip: string | null;
  metadata: Record<string, unknown> | null;
}
