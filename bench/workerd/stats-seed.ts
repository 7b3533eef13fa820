// The events bench/workerd/stats-seed-worker.ts feeds to a CampaignStats object: a deterministic campaign log.
import type { EventType } from "../../src/domain/events";
import type { CountedEvent } from "../../src/stats/counting";

export const SEED_PATH = "/__bench/seed";

export interface SeedRequest {
  campaignId: string;
  /** Events `from` … `from + count - 1` of the campaign's deterministic sequence. */
  from: number;
  count: number;
  /** Events per record() call. */
  chunk: number;
  /** Distinct contacts and the time span the whole campaign is spread over. */
  contacts: number;
  total: number;
}

/** One send and one delivery per eight events, the rest opens and clicks, as a newsletter's log looks. */
const TYPES: EventType[] = ["send", "delivery", "open", "open", "open", "click", "click", "open"];
const START = Date.UTC(2026, 9, 1);
const SPAN_MS = 30 * 24 * 3_600_000;

export function seedEvent(req: SeedRequest, i: number): CountedEvent {
  const type = TYPES[i % TYPES.length]!;
  const click = type === "click";
  return {
    id: `${req.campaignId}-${i}`,
    type,
    contactId: `reader${(i * 7919) % req.contacts}@example.com`,
    occurredAt: START + Math.floor((i / req.total) * SPAN_MS),
    link: click ? `https://shop.example.com/p/${i % 20}` : null,
    linkIndex: click ? i % 20 : null,
    bounceType: null,
    source: null,
    machine: i % 97 === 0,
    machineReason: i % 97 === 0 ? "bot_agent" : "human",
    unsubscribeAll: false,
  };
}
